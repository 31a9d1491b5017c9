from django.apps import AppConfig


class CleaningConfig(AppConfig):
    name = "dossier.cleaning"
    label = "cleaning"
    verbose_name = "Data cleaning"

    def ready(self) -> None:
        from dossier.cleaning.registrations import register_cleaning_tables

        register_cleaning_tables()
