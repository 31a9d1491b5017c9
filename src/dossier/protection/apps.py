from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    name = "dossier.protection"
    label = "protection"
    verbose_name = "Protection"
