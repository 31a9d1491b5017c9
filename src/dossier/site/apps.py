from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "dossier.site"
    label = "site"
    verbose_name = "Site"
