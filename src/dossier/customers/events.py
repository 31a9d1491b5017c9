"""How a customer event looks to a webhook receiver: the single-customer read, masked for them.

The events themselves (customer.created / updated / deleted) carry only the customer's id and
the names of changed fields; the values are read when the delivery is made, through the same
selector as the API's ``GET /customers/{id}``, as the receiver (the subscription's owner).
"""

from __future__ import annotations

from typing import Any

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound
from dossier.customers.access import restrict
from dossier.customers.models import Customer
from dossier.customers.selectors import get_customer
from dossier.outbox.models import Event
from dossier.outbox.payloads import register_payload

OBJECT_TYPE = "customer"


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def customer_payload(receiver: MaybeActor, event: Event) -> dict[str, Any] | None:
    """The customer as ``receiver`` may see it now; None if they may not see it.

    A deleted customer is only its id, told to those who could see it before.
    """
    if event.name == "customer.deleted":
        could_see = restrict(
            Customer.objects.filter(pk=event.object_id), receiver, "view", include_deleted=True
        ).exists()
        return {} if could_see else None
    try:
        shown = get_customer(actor=receiver, customer_id=event.object_id)
    except NotFound:
        return None
    return {key: _plain(value) for key, value in shown.items() if key != "id"}


def register_customer_payload() -> None:
    """Tell the outbox how customer events are shown (called in ``AppConfig.ready``)."""
    register_payload(OBJECT_TYPE, customer_payload)
