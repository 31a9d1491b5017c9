"""Taking back customers a batch created: the undo of an import.

Removal is the soft delete of :func:`delete_customer` (hidden, restorable by an admin),
for many customers at once. Whoever created the customers by a batch may take them back
as long as nobody changed them since (version 1) — without the right to delete customers
in general, as it only undoes their own write. The caller names the customers its own
record says the batch created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.audit.services import record_audit_many
from dossier.customers import counts
from dossier.customers.access import restrict
from dossier.customers.models import Customer, CustomerLookup
from dossier.outbox.services import publish_many


@dataclass
class Removal:
    removed: list[Any] = field(default_factory=list)
    #: customer id → why it stays: "changed" (edited since), "erased", "gone" (deleted or
    #: not reachable by the actor any more)
    kept: dict[Any, str] = field(default_factory=dict)


@transaction.atomic
def remove_created_customers(
    *, actor: User, customer_ids: Sequence[Any], reason: str = ""
) -> Removal:
    """Soft-delete the customers a batch of the actor created, if unchanged since; audited."""
    outcome = Removal()
    wanted = list(dict.fromkeys(customer_ids))
    found = {
        c.pk: c
        for c in restrict(Customer.objects.select_for_update(), actor, "change").filter(
            pk__in=wanted, deleted_at__isnull=True
        )
    }
    removable = []
    for pk in wanted:
        customer = found.get(pk)
        if customer is None:
            outcome.kept[pk] = "gone"
        elif customer.erased_at is not None:
            outcome.kept[pk] = "erased"
        elif customer.version != 1:
            outcome.kept[pk] = "changed"
        else:
            removable.append(pk)
    if not removable:
        return outcome
    counts.customers_changed(removable, -1)
    Customer.objects.filter(pk__in=removable).update(
        deleted_at=timezone.now(), version=2, updated_at=timezone.now()
    )
    CustomerLookup.objects.filter(customer_id__in=removable, unique=True).update(unique=False)
    record_audit_many(
        actor=actor,
        events=[
            {
                "action": "delete",
                "object_type": "customer",
                "object_id": pk,
                "customer_id": pk,
                "reason": reason,
            }
            for pk in removable
        ],
    )
    publish_many(
        actor=actor,
        events=[
            {
                "name": "customer.deleted",
                "customer_id": pk,
                "object_type": "customer",
                "object_id": pk,
            }
            for pk in removable
        ],
    )
    outcome.removed = removable
    return outcome
