from django.apps import AppConfig


class BackupConfig(AppConfig):
    name = "dossier.backup"
    label = "backup"
    verbose_name = "Backup"
