from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "dossier.transfer"
    label = "transfer"
    verbose_name = "Import and export"

    def ready(self) -> None:
        from dossier.transfer.registrations import register_imports

        register_imports()
