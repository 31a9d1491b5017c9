"""Which customer's value each field of a merged customer keeps (survivorship rules).

- ``newest``: the most recently updated customer that has a value for the field;
- ``complete``: the survivor's value, its gaps filled from the others, newest first
  (and, when no survivor is named, the survivor is the customer with the most values);
- ``trusted``: the value from the customer whose source ranks highest in
  ``DOSSIER_TRUSTED_SOURCES`` (then newest);
- ``manual``: the user picks per field; fields not picked follow ``complete``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings

from dossier.customers.models import Customer
from dossier.customers.values import stored_values

RULES = ("complete", "newest", "trusted", "manual")


def values_of(customer: Customer) -> dict[str, Any]:
    """A customer's stored values by field key (decrypted, JSON-ready)."""
    return stored_values(customer, customer.template_version.specs())


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def most_complete(customers: Sequence[Customer]) -> Customer:
    """The customer with the most values (newest first on a tie): the usual survivor."""
    return max(
        customers,
        key=lambda c: (sum(_filled(v) for v in values_of(c).values()), c.updated_at),
    )


def _trust(customer: Customer) -> int:
    ranking = [s.lower() for s in getattr(settings, "DOSSIER_TRUSTED_SOURCES", [])]
    source = (customer.source or "").lower()
    return len(ranking) - ranking.index(source) if source in ranking else 0


def choose_values(
    customers: Sequence[Customer],
    survivor: Customer,
    *,
    rule: str = "complete",
    picks: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Field key → id of the customer whose value the survivor keeps."""
    values = {c.pk: values_of(c) for c in customers}
    newest = sorted(customers, key=lambda c: c.updated_at, reverse=True)
    if rule == "newest":
        order = newest
    elif rule == "trusted":
        order = sorted(newest, key=_trust, reverse=True)
    else:
        order = [survivor, *[c for c in newest if c.pk != survivor.pk]]
    chosen: dict[str, str] = {}
    for spec in survivor.template_version.specs():
        source = next((c for c in order if _filled(values[c.pk].get(spec.key))), survivor)
        chosen[spec.key] = str(source.pk)
    by_id = {str(c.pk): c for c in customers}
    for key, customer_id in (picks or {}).items():
        if key in chosen and str(customer_id) in by_id:
            chosen[key] = str(customer_id)
    return chosen
