"""When each customer's contact values were last verified, if the verification app keeps it.

The verification app may not be installed or may not have its tables yet: this module is the
one place that asks it, through the app registry (no import of its code), and answers
nothing when there is nothing to ask. Any model of that app with a ``customer`` foreign key
and a ``verified_at`` date-time counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Max, Model


def _verification_models() -> list[type[Model]]:
    if not apps.is_installed("dossier.verification"):
        return []
    found = []
    for model in apps.get_app_config("verification").get_models():
        names = {f.name for f in model._meta.get_fields()}
        if {"customer", "verified_at"} <= names:
            found.append(model)
    return found


def last_verified(customer_ids: Sequence[Any] | None = None) -> dict[Any, datetime]:
    """The latest verification of each customer (all customers when ``customer_ids`` is None)."""
    latest: dict[Any, datetime] = {}
    for model in _verification_models():
        rows = model._default_manager.filter(verified_at__isnull=False)
        if customer_ids is not None:
            rows = rows.filter(customer_id__in=list(customer_ids))
        grouped = rows.order_by().values_list("customer_id").annotate(at=Max("verified_at"))
        for customer_id, at in grouped:
            if at is not None and (customer_id not in latest or at > latest[customer_id]):
                latest[customer_id] = at
    return latest
