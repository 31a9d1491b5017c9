from django.apps import AppConfig


class LoyaltyConfig(AppConfig):
    name = "dossier.loyalty"
    label = "loyalty"
    verbose_name = "Loyalty"

    def ready(self) -> None:
        from dossier.loyalty.registrations import register_loyalty

        register_loyalty()
