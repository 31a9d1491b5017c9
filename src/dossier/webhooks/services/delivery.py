"""Sending deliveries: one attempt at a time, signed, logged, retried with growing waits."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import Conflict, NotFound
from dossier.customers.access import restrict
from dossier.customers.models import Customer
from dossier.outbox.payloads import payload_for
from dossier.webhooks import policy
from dossier.webhooks.addresses import TargetRefused, check_target
from dossier.webhooks.models import PING, Delivery, DeliveryAttempt, Subscription
from dossier.webhooks.sending import Outcome, post
from dossier.webhooks.services.subscriptions import (
    check_may_manage,
    may_manage,
    own_subscription,
    record_id,
)
from dossier.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, signature

logger = logging.getLogger(__name__)
Status = Delivery.Status
USER_AGENT = "Dossier-Webhooks/1"
#: the most due deliveries one sweep sends
SWEEP_LIMIT = 500
#: first attempts one queued task makes in turn (a slow receiver: at most 50 × the timeout)
FIRST_ATTEMPT_CHUNK = 50


def enqueue(delivery_ids: Sequence[int], *, run_after: datetime | None = None) -> None:
    """Queue a background attempt per delivery (at ``run_after`` if the task backend can wait).

    A backend that cannot wait (the immediate one) is not asked: the delivery stays pending
    with its due time and :func:`deliver_due` (``dossier webhooks deliver-due``) sends it.
    """
    from dossier.webhooks.tasks import deliver_webhook, deliver_webhooks

    task = deliver_webhook
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return
        task = task.using(run_after=run_after)
    elif len(delivery_ids) > 1:
        # a batch's events (a bulk sync's thousand orders): one queued task per chunk, not
        # one insert into the task queue per delivery after the writer's commit
        for start in range(0, len(delivery_ids), FIRST_ATTEMPT_CHUNK):
            deliver_webhooks.enqueue(list(delivery_ids[start : start + FIRST_ATTEMPT_CHUNK]))
        return
    for pk in delivery_ids:
        task.enqueue(pk)


def _ping_body(subscription: Subscription) -> dict[str, Any]:
    return {
        "id": None,
        "event": PING,
        "occurred_at": timezone.now().isoformat(),
        "customer_id": None,
        "object": {
            "type": "subscription",
            "id": str(subscription.pk),
            "name": subscription.name,
            "events": subscription.events,
        },
        "changes": {},
    }


def _sees_customer(owner: MaybeActor, customer_id: Any) -> bool:
    """Whether the owner may see the customer an event concerns (deleted ones included)."""
    customers = Customer.objects.filter(pk=customer_id)
    return restrict(customers, owner, "view", include_deleted=True).exists()


def _body(delivery: Delivery) -> dict[str, Any] | None:
    """What this delivery carries, as the owner may see it now; None if they may not.

    Besides the payload builder's own check, an event about a customer the owner may not
    see is never sent: not even its ids (an app that forgot to register a builder, say).
    """
    subscription, event = delivery.subscription, delivery.event
    if event is None:
        return _ping_body(subscription)
    if event.customer_id is not None and not _sees_customer(subscription.owner, event.customer_id):
        return None
    return payload_for(subscription.owner, event)


def encode(body: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed)."""
    text = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def _not_sendable(delivery: Delivery) -> str:
    """Why nothing may be sent for this delivery now, or ""."""
    owner = delivery.subscription.owner
    if not owner.is_active:
        return "owner_inactive"
    if not may_manage(owner):
        return "owner_not_allowed"
    if not delivery.subscription.active and not delivery.is_ping:
        return "subscription_inactive"
    return ""


def _send(delivery: Delivery, body: bytes) -> Outcome:
    """Check the target again (DNS may answer differently now), sign and POST."""
    subscription = delivery.subscription
    try:
        target = check_target(
            subscription.url,
            allow_private=policy.allow_private(),
            allow_http=policy.allow_http(),
        )
    except TargetRefused as refused:
        return Outcome(None, f"refused: {refused.code}", 0)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event_name,
        DELIVERY_HEADER: str(delivery.pk),
        SIGNATURE_HEADER: signature(subscription.secret, int(time.time()), body),
    }
    return post(target, body, headers, timeout=policy.timeout())


def _finish(delivery: Delivery, status: str, reason: str) -> Delivery:
    delivery.status = status
    delivery.last_error = reason
    delivery.claimed_at = None
    delivery.next_attempt_at = None
    delivery.finished_at = timezone.now()
    delivery.save(
        update_fields=["status", "last_error", "claimed_at", "next_attempt_at", "finished_at"]
    )
    return delivery


def _record(delivery: Delivery, outcome: Outcome, started_at: datetime) -> Delivery:
    """Log the attempt and decide: delivered, another try later, or given up."""
    with transaction.atomic():
        number = delivery.attempts + 1
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=started_at,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error[:200],
        )
        delivery.attempts = number
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error[:200]
        delivery.claimed_at = None
        if outcome.ok:
            delivery.status, delivery.next_attempt_at = Status.DELIVERED, None
            delivery.finished_at = timezone.now()
        elif delivery.is_ping or number >= policy.max_attempts():
            delivery.status, delivery.next_attempt_at = Status.FAILED, None
            delivery.finished_at = timezone.now()
        else:
            delivery.status = Status.PENDING
            delivery.next_attempt_at = started_at + policy.retry_delay(number)
            when = delivery.next_attempt_at
            transaction.on_commit(lambda: enqueue([delivery.pk], run_after=when))
        delivery.save()
    return delivery


def attempt_delivery(*, delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Make the next attempt of a pending delivery that is due (``now``: default the clock).

    The delivery is claimed first, so two workers never send it at once; None when it was
    not due or someone else has it. What is sent is built now for the subscription's owner:
    nothing (skipped) when they may no longer see the object.
    """
    now = now or timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_at=timezone.now())
    if not claimed:
        return None
    delivery = Delivery.objects.select_related("subscription__owner", "event").get(pk=delivery_id)
    reason = _not_sendable(delivery)
    if reason:
        return _finish(delivery, Status.SKIPPED, reason)
    started_at = timezone.now()
    try:
        body = _body(delivery)
    except Exception:  # a payload builder's bug must not leave the delivery claimed forever
        logger.exception("webhook payload failed (delivery %s)", delivery.pk)
        return _record(delivery, Outcome(None, "payload_error", 0), started_at)
    if body is None:
        return _finish(delivery, Status.SKIPPED, "not_visible")
    return _record(delivery, _send(delivery, encode(body)), started_at)


def deliver_due(*, now: datetime | None = None, limit: int = SWEEP_LIMIT) -> int:
    """Send the pending deliveries that are due; how many were attempted.

    Also hands back deliveries a stopped worker had claimed (they are sent again: receivers
    see a delivery at least once, and tell repeats by ``X-Dossier-Delivery``).
    """
    now = now or timezone.now()
    Delivery.objects.filter(status=Status.SENDING, claimed_at__lt=now - policy.STALE_CLAIM).update(
        status=Status.PENDING, claimed_at=None
    )
    due = Delivery.objects.filter(status=Status.PENDING, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at", "id").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in ids if attempt_delivery(delivery_id=pk, now=now) is not None)


def ping(*, actor: MaybeActor, subscription_id: Any) -> Delivery:
    """Send a signed test event to the subscription now and return how it went (no retries)."""
    subscription = own_subscription(actor, subscription_id)
    delivery = Delivery.objects.create(
        subscription=subscription, event_name=PING, next_attempt_at=timezone.now()
    )
    attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery


def own_delivery(actor: MaybeActor, delivery_id: Any) -> Delivery:
    """A delivery of one of the actor's subscriptions; any other is 404."""
    check_may_manage(actor)
    pk = record_id(delivery_id)
    found = (
        Delivery.objects.select_related("subscription")
        .filter(pk=pk, subscription__owner_id=actor.pk)
        .first()
        if actor.pk and pk
        else None
    )
    if found is None:
        raise NotFound(_("No such delivery."), code="delivery_not_found")
    return found


def redeliver(*, actor: MaybeActor, delivery_id: Any) -> Delivery:
    """Send a finished delivery's event again, as a new delivery (queued, retried as any)."""
    original = own_delivery(actor, delivery_id)
    if original.status in (Status.PENDING, Status.SENDING):
        raise Conflict(_("This delivery is still being sent."), code="delivery_in_progress")
    with transaction.atomic():
        delivery = Delivery.objects.create(
            subscription=original.subscription,
            event_id=original.event_id,
            event_name=original.event_name,
            redelivery_of=original,
            next_attempt_at=timezone.now(),
        )
        transaction.on_commit(lambda: enqueue([delivery.pk]))
    return delivery
