from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dossier.core"
    label = "core"
    verbose_name = "Dossier"
