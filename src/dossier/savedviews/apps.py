from django.apps import AppConfig


class SavedviewsConfig(AppConfig):
    name = "dossier.savedviews"
    label = "savedviews"
    verbose_name = "Saved views"
