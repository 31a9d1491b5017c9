"""When quality is worked out: after a customer is written (the outbox's committed events),
and nightly for everyone (time alone ages records; interactions publish no event)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from dossier.outbox.models import Event
from dossier.quality.models import QualityRefresh
from dossier.quality.months import record_month
from dossier.quality.refresh import refresh_quality

logger = logging.getLogger(__name__)
#: events after which a customer's completeness may have changed
CUSTOMER_EVENTS = ("customer.created", "customer.updated")
#: up to this many customers are worked out in the writer's request; more go to the worker
INLINE_LIMIT = 200
TASK_CHUNK = 5000


@task()
def refresh_customers(customer_ids: list[str]) -> int:
    """Work out these customers' quality (queued after a large batch of writes)."""
    return refresh_quality(customer_ids=customer_ids).customers


def refresh_after_events(event_ids: list[int]) -> None:
    """The outbox listener: refresh the customers those events wrote, never failing the write."""
    try:
        ids = list(
            Event.objects.filter(pk__in=event_ids, name__in=CUSTOMER_EVENTS)
            .exclude(customer_id=None)
            .values_list("customer_id", flat=True)
            .distinct()
        )
        if len(ids) <= INLINE_LIMIT:
            if ids:
                refresh_quality(customer_ids=ids)
            return
        for start in range(0, len(ids), TASK_CHUNK):
            refresh_customers.enqueue([str(i) for i in ids[start : start + TASK_CHUNK]])
    except Exception:
        logger.exception("quality refresh failed for %d event(s)", len(event_ids))


def refresh_if_due(
    *, every_hours: float = 24.0, now: datetime | None = None
) -> QualityRefresh | None:
    """The nightly job: refresh everyone when the last full refresh is older than a day,
    then keep the month's figures for the dashboard's trend.

    Several workers may run it at once: the last run's row is locked while one of them
    checks and refreshes; the others skip it.
    """
    with transaction.atomic():
        last = (
            QualityRefresh.objects.select_for_update(skip_locked=True)
            .order_by("-started_at")
            .first()
        )
        if last is None and QualityRefresh.objects.exists():
            return None  # another worker holds it
        now = now or timezone.now()
        if last is not None and (now - last.started_at).total_seconds() < every_hours * 3600:
            return None
        done = refresh_quality(now=now)
        record_month(now=now)
        return QualityRefresh.objects.create(
            started_at=now, customers=done.customers, seconds=done.seconds
        )


def run_nightly() -> Any:
    """The clock's entry (site/clock.py)."""
    return refresh_if_due()
