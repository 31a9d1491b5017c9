from django.apps import AppConfig


class TemplatesConfig(AppConfig):
    name = "dossier.templates"
    label = "templates"
    verbose_name = "Profile templates"
