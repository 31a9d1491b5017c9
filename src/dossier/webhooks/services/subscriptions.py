"""Creating, changing and deleting webhook subscriptions (each user manages their own)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.outbox.models import EVENT_NAMES
from dossier.webhooks import policy
from dossier.webhooks.addresses import TargetRefused, check_target
from dossier.webhooks.models import Subscription
from dossier.webhooks.signing import new_secret

PERMISSION = "webhooks.manage_subscription"
NAME_FIELD = FieldLabel("name", "名称", "Name")
URL_FIELD = FieldLabel("url", "目标地址", "Target URL")
EVENTS_FIELD = FieldLabel("events", "事件", "Events")
MAX_NAME = 100


def may_manage(actor: MaybeActor | None) -> bool:
    """Whether the actor may keep webhook subscriptions (admins and managers)."""
    return bool(actor is not None and actor.is_authenticated and actor.has_perm(PERMISSION))


def check_may_manage(actor: MaybeActor | None) -> None:
    """403 unless the actor may keep webhook subscriptions."""
    if not may_manage(actor):
        raise PermissionDenied(_("You may not manage webhooks."))


def own_subscription(
    actor: MaybeActor, subscription_id: Any, *, lock: bool = False
) -> Subscription:
    """One of the actor's own subscriptions; another user's is 404, as one that does not exist."""
    check_may_manage(actor)
    rows = Subscription.objects.select_for_update() if lock else Subscription.objects.all()
    pk = record_id(subscription_id)
    found = rows.filter(pk=pk, owner_id=actor.pk).first() if actor.pk and pk else None
    if found is None:
        raise NotFound(_("No such webhook."), code="webhook_not_found")
    return found


def record_id(value: Any) -> int | None:
    """A stored row's id from a path or a form, or None for anything no row could have."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 1 <= number < 2**63 else None


def url_error(refused: TargetRefused) -> FieldError:
    """A refused target as an error on the ``url`` field."""
    return FieldError(refused.code, spec=URL_FIELD, **refused.params)


def check_url(url: str) -> list[FieldError]:
    """Errors of a target URL (its form, and its addresses: see ``addresses``), or none."""
    try:
        check_target(url, allow_private=policy.allow_private(), allow_http=policy.allow_http())
    except TargetRefused as refused:
        return [url_error(refused)]
    return []


def _name_errors(name: Any) -> list[FieldError]:
    if not isinstance(name, str) or not name.strip():
        return [FieldError("required", spec=NAME_FIELD)]
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return [FieldError("control_characters", spec=NAME_FIELD)]
    if len(name) > MAX_NAME:
        return [FieldError("too_long", spec=NAME_FIELD, max=MAX_NAME)]
    return []


def _events(events: Any) -> tuple[list[str], list[FieldError]]:
    """The event names once each in their standard order, and the errors of unknown ones."""
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        return [], [FieldError("invalid_list", spec=EVENTS_FIELD)]
    if not events:
        return [], [FieldError("required", spec=EVENTS_FIELD)]
    errors = [
        FieldError("invalid_choice", spec=EVENTS_FIELD, value=name[:50])
        for name in dict.fromkeys(events)
        if name not in EVENT_NAMES
    ]
    return [name for name in EVENT_NAMES if name in events], errors


def _refuse(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(_("The webhook could not be saved."), errors=errors)


def _audit_view(subscription: Subscription) -> dict[str, Any]:
    # the host only: a URL's path or query may carry the receiver's own access key
    host = target_host(subscription.url)
    return {"name": subscription.name, "host": host, "events": subscription.events}


def target_host(url: str) -> str:
    """The host named in a URL (for the audit log and the pages), or ""."""
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""


@transaction.atomic
def create_subscription(
    *, actor: MaybeActor, name: str, url: str, events: Sequence[str], active: bool = True
) -> tuple[Subscription, str]:
    """A new subscription owned by the actor, and its secret (shown to them this once)."""
    check_may_manage(actor)
    owner = person(actor)
    if owner is None:  # a system job has no view of its own for payloads to follow
        raise PermissionDenied(_("You may not manage webhooks."))
    names, event_errors = _events(events)
    _refuse(_name_errors(name) + check_url(url) + event_errors)
    secret = new_secret()
    subscription = Subscription.objects.create(
        owner=owner, name=name.strip(), url=url, events=names, secret=secret, active=active
    )
    record_audit(
        actor=actor,
        action="create",
        object_type="webhook_subscription",
        object_id=subscription.pk,
        changes={**_audit_view(subscription), "active": active},
    )
    return subscription, secret


@transaction.atomic
def update_subscription(
    *,
    actor: MaybeActor,
    subscription_id: Any,
    name: str | None = None,
    url: str | None = None,
    events: Sequence[str] | None = None,
    active: bool | None = None,
) -> Subscription:
    """Change what is given; a new URL is checked again as at creation."""
    subscription = own_subscription(actor, subscription_id, lock=True)
    before = {**_audit_view(subscription), "active": subscription.active}
    errors: list[FieldError] = []
    if name is not None:
        errors += _name_errors(name)
    if url is not None and url != subscription.url:
        errors += check_url(url)
    if events is not None:
        names, event_errors = _events(events)
        errors += event_errors
    _refuse(errors)
    if name is not None:
        subscription.name = name.strip()
    url_changed = url is not None and url != subscription.url
    if url is not None:
        subscription.url = url
    if events is not None:
        subscription.events = names
    if active is not None:
        subscription.active = active
    subscription.save()
    after = {**_audit_view(subscription), "active": subscription.active}
    changes = {
        key: {"before": before[key], "after": after[key]}
        for key in after
        if before[key] != after[key]
    }
    if url_changed:
        changes["url"] = {"changed": True}  # the value stays out of the log (see _audit_view)
    record_audit(
        actor=actor,
        action="update",
        object_type="webhook_subscription",
        object_id=subscription.pk,
        changes=changes,
    )
    return subscription


@transaction.atomic
def delete_subscription(*, actor: MaybeActor, subscription_id: Any) -> None:
    """Remove a subscription and its delivery log; nothing more is sent to it."""
    subscription = own_subscription(actor, subscription_id, lock=True)
    view = _audit_view(subscription)
    subscription.delete()
    record_audit(
        actor=actor,
        action="delete",
        object_type="webhook_subscription",
        object_id=subscription_id,
        changes=view,
    )
