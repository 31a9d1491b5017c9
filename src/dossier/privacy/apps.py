from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "dossier.privacy"
    label = "privacy"
    verbose_name = "Privacy"
