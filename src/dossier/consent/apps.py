from django.apps import AppConfig


class ConsentConfig(AppConfig):
    name = "dossier.consent"
    label = "consent"
    verbose_name = "Consent"
