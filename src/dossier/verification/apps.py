from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "dossier.verification"
    label = "verification"
    verbose_name = "Contact verification"
