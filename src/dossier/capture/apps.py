"""Public capture forms."""

from django.apps import AppConfig


class CaptureConfig(AppConfig):
    name = "dossier.capture"
    label = "capture"
    verbose_name = "Public capture forms"

    def ready(self) -> None:
        from dossier.capture.registrations import register_capture_tables

        register_capture_tables()
