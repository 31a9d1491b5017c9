"""Data quality."""

from django.apps import AppConfig


class QualityConfig(AppConfig):
    name = "dossier.quality"
    label = "quality"
    verbose_name = "Data quality"

    def ready(self) -> None:
        from dossier.outbox.services import listen
        from dossier.quality.registrations import register_quality
        from dossier.quality.tasks import CUSTOMER_EVENTS, refresh_after_events

        register_quality()
        # told only of commits that wrote a customer event: not of a bulk sync's orders
        listen(refresh_after_events, names=CUSTOMER_EVENTS)
