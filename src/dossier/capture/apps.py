from django.apps import AppConfig


class CaptureConfig(AppConfig):
    name = "dossier.capture"
    label = "capture"
    verbose_name = "Public capture forms"
