from django.apps import AppConfig


class OverviewConfig(AppConfig):
    name = "dossier.overview"
    label = "overview"
    verbose_name = "Customer 360"

    def ready(self) -> None:
        from dossier.overview.sections import register_overview_sections

        register_overview_sections()
