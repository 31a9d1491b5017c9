"""When each customer's contact values were last verified, if the verification app keeps it.

The verification app may not be installed or may not have landed yet: this module is the
one place that asks it, through its selector ``last_verified_at`` when it exists, else
through the app registry (any model of that app with a ``customer`` foreign key and a
``verified_at`` date-time counts), and answers nothing when there is nothing to ask.
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


def last_verified(customer_ids: Sequence[Any]) -> dict[Any, datetime]:
    """The latest verification of each of these customers' current contact values.

    The verification app's own selector when it has one (it counts only verifications of
    values the customer still has); else any of its models with a ``verified_at``.
    """
    try:
        from dossier.verification.selectors import last_verified_at
    except ImportError:
        return _scanned(customer_ids)
    return dict(last_verified_at(customer_ids))


def _scanned(customer_ids: Sequence[Any] | None) -> dict[Any, datetime]:
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
