"""Self-service update campaigns."""

from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "dossier.outreach"
    label = "outreach"
    verbose_name = "Self-service update campaigns"

    def ready(self) -> None:
        from dossier.outreach.registrations import register_outreach

        register_outreach()
