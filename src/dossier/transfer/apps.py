from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "dossier.transfer"
    label = "transfer"
    verbose_name = "Import and export"

    def ready(self) -> None:
        from dossier.customers import registry
        from dossier.transfer.models import ImportChange

        # an import's undo data holds the customer's values before: erasure deletes it, so an
        # undo can never bring erased values back; a merge leaves it on the merged customer
        registry.register(
            registry.CustomerData(key="imports", model=ImportChange, erasure="delete")
        )
