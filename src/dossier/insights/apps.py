from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "dossier.insights"
    label = "insights"
    verbose_name = "Insights"
