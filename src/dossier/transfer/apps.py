from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "dossier.transfer"
    label = "transfer"
    verbose_name = "Import and export"
