from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "dossier.quality"
    label = "quality"
    verbose_name = "Data quality"
