from django.apps import AppConfig


class BulkConfig(AppConfig):
    name = "dossier.bulk"
    label = "bulk"
    verbose_name = "Bulk actions"
