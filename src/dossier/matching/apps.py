from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "dossier.matching"
    label = "matching"
    verbose_name = "Duplicates and merge"

    def ready(self) -> None:
        from dossier.matching.registrations import register_matching

        register_matching()
