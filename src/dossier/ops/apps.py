from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "dossier.ops"
    label = "ops"
    verbose_name = "Operations"
