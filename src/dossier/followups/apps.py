from django.apps import AppConfig


class FollowupsConfig(AppConfig):
    name = "dossier.followups"
    label = "followups"
    verbose_name = "Follow-ups"

    def ready(self) -> None:
        from dossier.followups.registrations import register_followup_tables

        register_followup_tables()
