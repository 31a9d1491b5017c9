from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "dossier.outbox"
    label = "outbox"
    verbose_name = "Outbox"
