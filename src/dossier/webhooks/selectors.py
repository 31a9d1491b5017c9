"""Reading subscriptions and their delivery log: each user reads only their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError
from dossier.webhooks.models import Delivery, Subscription
from dossier.webhooks.services.delivery import own_delivery
from dossier.webhooks.services.subscriptions import (
    check_may_manage,
    own_subscription,
    target_host,
)

MAX_PAGE_SIZE = 200


@dataclass
class Page:
    """One page of a list and the cursor of the next (None on the last)."""

    items: list[dict[str, Any]]
    next_cursor: str | None


def _after(cursor: str | None) -> int | None:
    """The id a cursor stands for; 422 on ``cursor`` for anything else."""
    if not cursor:
        return None
    if not (cursor.isascii() and cursor.isdecimal()) or len(cursor) > 18:
        raise ValidationFailed(
            _("The page cursor is not valid."),
            errors=[
                FieldError("invalid_choice", field="cursor", label="cursor", value=cursor[:40])
            ],
        )
    return int(cursor)


def present_subscription(subscription: Subscription) -> dict[str, Any]:
    """A subscription as plain data: never its secret."""
    return {
        "id": subscription.pk,
        "name": subscription.name,
        "url": subscription.url,
        "host": target_host(subscription.url),
        "events": list(subscription.events),
        "active": subscription.active,
        "created_at": subscription.created_at,
        "updated_at": subscription.updated_at,
    }


def present_delivery(delivery: Delivery) -> dict[str, Any]:
    """A delivery with its attempts (what came back, how long it took); no payload."""
    return {
        "id": delivery.pk,
        "subscription_id": delivery.subscription_id,
        "event": delivery.event_name,
        "event_id": delivery.event_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "redelivery_of": delivery.redelivery_of_id,
        "created_at": delivery.created_at,
        "finished_at": delivery.finished_at,
        "attempt_log": [
            {
                "number": a.number,
                "started_at": a.started_at,
                "duration_ms": a.duration_ms,
                "status_code": a.status_code,
                "error": a.error,
            }
            for a in delivery.attempt_log.all()
        ],
    }


def subscription_page(*, actor: MaybeActor, cursor: str | None = None, limit: int = 50) -> Page:
    """The actor's subscriptions, newest first."""
    check_may_manage(actor)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = Subscription.objects.filter(owner_id=actor.pk).order_by("-id")
    after = _after(cursor)
    if after is not None:
        rows = rows.filter(id__lt=after)
    found = list(rows[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return Page(
        items=[present_subscription(s) for s in found],
        next_cursor=str(found[-1].pk) if more and found else None,
    )


def get_subscription(*, actor: MaybeActor, subscription_id: Any) -> dict[str, Any]:
    """One of the actor's subscriptions (404 for anyone else's)."""
    return present_subscription(own_subscription(actor, subscription_id))


def delivery_page(
    *,
    actor: MaybeActor,
    subscription_id: Any,
    cursor: str | None = None,
    limit: int = 50,
    status: str = "",
) -> Page:
    """A subscription's deliveries, newest first, with their attempts."""
    subscription = own_subscription(actor, subscription_id)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = Delivery.objects.filter(subscription=subscription).prefetch_related("attempt_log")
    if status:
        rows = rows.filter(status=status)
    after = _after(cursor)
    if after is not None:
        rows = rows.filter(id__lt=after)
    found = list(rows.order_by("-id")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    return Page(
        items=[present_delivery(d) for d in found],
        next_cursor=str(found[-1].pk) if more and found else None,
    )


def get_delivery(*, actor: MaybeActor, delivery_id: Any) -> dict[str, Any]:
    """One delivery of the actor's subscriptions with its attempts (404 for anyone else's)."""
    return present_delivery(own_delivery(actor, delivery_id))
