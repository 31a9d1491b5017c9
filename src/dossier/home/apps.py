from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "dossier.home"
    label = "home"
    verbose_name = "Home pages"
