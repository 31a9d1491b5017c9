"""Contact verification."""

from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "dossier.verification"
    label = "verification"
    verbose_name = "Contact verification"

    def ready(self) -> None:
        from dossier.verification.registrations import register_verification

        register_verification()
