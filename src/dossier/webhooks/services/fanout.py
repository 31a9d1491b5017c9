"""From committed outbox events to deliveries: one per event and matching subscription."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from dossier.outbox.models import Event
from dossier.webhooks.models import Delivery, Subscription
from dossier.webhooks.services.delivery import enqueue

logger = logging.getLogger(__name__)


def fan_out(event_ids: Sequence[int]) -> list[Delivery]:
    """Create the deliveries of these events (one insert) and queue their first attempts.

    Two reads whatever the number of events: the active subscriptions of active owners
    (few: a handful of integrations) and the events' names.
    """
    subscriptions = list(
        Subscription.objects.filter(active=True, owner__is_active=True).values_list("pk", "events")
    )
    if not subscriptions or not event_ids:
        return []
    events = Event.objects.filter(pk__in=list(event_ids)).order_by("pk").values_list("pk", "name")
    now = timezone.now()
    rows = [
        Delivery(subscription_id=sub_id, event_id=event_id, event_name=name, next_attempt_at=now)
        for event_id, name in events
        for sub_id, names in subscriptions
        if name in names
    ]
    if not rows:
        return []
    with transaction.atomic():
        created = Delivery.objects.bulk_create(rows)
        ids = [d.pk for d in created]
        if any(pk is None for pk in ids):  # a backend that does not return ids
            raise RuntimeError("the database did not return the new deliveries' ids")
        transaction.on_commit(lambda: enqueue(ids))
    return created


def announce(event_ids: list[int]) -> None:
    """The outbox listener: fan out after the writer's commit without ever failing that write.

    (It runs in the writer's request once its data is safe; an error here is logged, and the
    events stay in the outbox.)
    """
    try:
        fan_out(event_ids)
    except Exception:
        logger.exception("webhook fan-out failed for %d event(s)", len(event_ids))
