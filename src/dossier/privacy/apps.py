from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "dossier.privacy"
    label = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from dossier.privacy.key_rotation import register_rotation_audit
        from dossier.privacy.registrations import register_privacy_tables

        register_privacy_tables()
        register_rotation_audit()
