"""The import's customer data in the customer-data registry."""

from __future__ import annotations

from typing import Any

from dossier.customers import registry
from dossier.customers.models import Customer
from dossier.transfer.models import ImportChange


def imports_copy(customer: Customer) -> list[dict[str, Any]]:
    """The imports that changed the customer and the values they held before (their copy)."""
    changes = ImportChange.objects.filter(customer_id=customer.pk).select_related("run")
    return [
        {
            "import": change.run_id,
            "file": change.run.file_name,
            "at": change.run.created_at.isoformat(),
            "values_before": change.before,
        }
        for change in changes.order_by("pk")
    ]


def register_imports() -> None:
    # an import's undo data holds the customer's values before: erasure (and retention, which
    # erases) deletes it, so an undo can never bring erased values back; a merge leaves it on
    # the merged customer, whose undo then finds it gone
    registry.register(
        registry.CustomerData(
            key="imports", model=ImportChange, erasure="delete", export=imports_copy
        )
    )
