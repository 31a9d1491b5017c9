from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "dossier.outreach"
    label = "outreach"
    verbose_name = "Self-service update campaigns"
