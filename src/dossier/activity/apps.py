from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "dossier.activity"
    label = "activity"
    verbose_name = "Activity"

    def ready(self) -> None:
        from dossier.activity.registrations import register_activity_tables

        register_activity_tables()
