from django.apps import AppConfig


class CleaningConfig(AppConfig):
    name = "dossier.cleaning"
    label = "cleaning"
    verbose_name = "Data cleaning"
