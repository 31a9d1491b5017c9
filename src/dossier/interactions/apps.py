from django.apps import AppConfig


class InteractionsConfig(AppConfig):
    name = "dossier.interactions"
    label = "interactions"
    verbose_name = "Interactions"

    def ready(self) -> None:
        from dossier.interactions.registrations import register_interactions

        register_interactions()
