from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "dossier.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from dossier.insights.registrations import (
            register_insights_sections,
            register_insights_tables,
        )

        register_insights_tables()
        register_insights_sections()
