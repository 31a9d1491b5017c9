"""Background work of the loyalty programme (run by `dossier worker`, queued by a scheduler).

``nightly_loyalty`` is the one to schedule each night: earn, take back, expire, recompute
tiers, in that order (points earned tonight count for tonight's tiers).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django_tasks import task

#: orders changed (and refunds made) this long ago are looked at again: a missed night is
#: caught up, and the services are idempotent, so looking twice is harmless
WINDOW = timedelta(days=7)


@task()
def earn_points() -> dict[str, Any]:
    """Credit the points of recent purchases, and take back those of recent refunds."""
    from dossier.loyalty.services import earn_for_orders, take_back_refunds

    since = timezone.now() - WINDOW
    return {
        "earned": earn_for_orders(since=since),
        "taken_back": take_back_refunds(since=since),
    }


@task()
def nightly_loyalty() -> dict[str, Any]:
    """Earn and take back (last week's orders), expire lapsed points, recompute tiers."""
    from dossier.loyalty.services import (
        earn_for_orders,
        expire_points,
        recompute_tiers,
        take_back_refunds,
    )

    since = timezone.now() - WINDOW
    return {
        "earned": earn_for_orders(since=since),
        "taken_back": take_back_refunds(since=since),
        "expired": expire_points(),
        "tiers": recompute_tiers(),
    }
