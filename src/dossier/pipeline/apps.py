from django.apps import AppConfig


class PipelineConfig(AppConfig):
    name = "dossier.pipeline"
    label = "pipeline"
    verbose_name = "Pipeline"

    def ready(self) -> None:
        from dossier.pipeline.registrations import register_pipeline

        register_pipeline()
