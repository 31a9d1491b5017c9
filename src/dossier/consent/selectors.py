"""Reads of the consent ledger: current state, history, and audiences that suppress the rest.

The current state of a customer × purpose × channel is its latest decisive event (granted or
withdrawn). Audiences compute it set-based in SQL: the highest decisive event id per customer
in one grouped subquery, kept when that event is a grant. Works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.consent.errors import CHANNEL, PURPOSE
from dossier.consent.models import (
    DECISIVE_ACTIONS,
    Action,
    Channel,
    ConsentConfirmation,
    ConsentEvent,
    Purpose,
    Source,
)
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, mask_value
from dossier.core.fields.messages import Words
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.customers.registry import usable_for
from dossier.customers.selectors import customer_queryset, get_customer_object
from dossier.protection.disclosure import may_see_personal

MARKETING = "marketing"
HISTORY_LIMIT = 200
# the customer value a channel reaches them by, and its field type (for masking)
CONTACT_OF_CHANNEL = {
    Channel.SMS: ("phone", "phone"),
    Channel.PHONE: ("phone", "phone"),
    Channel.EMAIL: ("email", "email"),
    Channel.WECHAT: ("wechat_id", "text"),
    Channel.POST: ("address", "address"),
}


@dataclass
class ConsentState:
    """Where one customer stands on one purpose and channel."""

    purpose: str
    purpose_name: str
    channel: str
    status: str  # "granted", "withdrawn" or "none" (nothing recorded)
    since: datetime | None = None
    source: str = ""
    notice_version: str = ""
    pending: bool = False  # an unused, unexpired double opt-in code is out

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label)


def purpose_list() -> QuerySet[Purpose]:
    """Every purpose customers can consent to, in display order."""
    return Purpose.objects.all()


def get_purpose(purpose: Purpose | str) -> Purpose:
    """The purpose with this key, or ValidationFailed naming the field ``purpose``."""
    if isinstance(purpose, Purpose):
        return purpose
    found = Purpose.objects.filter(key=str(purpose).replace("\x00", "")).first()
    if found is None:
        raise ValidationFailed(
            _("Unknown purpose."),
            errors=[FieldError("invalid_choice", spec=PURPOSE, value=str(purpose)[:64])],
        )
    return found


def check_channel(purpose: Purpose, channel: str) -> str:
    """The channel consent to ``purpose`` is recorded on, or ValidationFailed.

    Purposes recorded per channel refuse "any"; channel-independent ones accept only "any"
    (an empty channel means "any" for them).
    """
    names = Words(purpose.name_en or purpose.name_zh, purpose.name_zh)
    channel = str(channel or "").strip()
    if not purpose.per_channel:
        if channel in ("", Channel.ANY):
            return str(Channel.ANY)
        code = "channel_not_applicable" if channel in Channel.values else "invalid_choice"
    elif channel in purpose.channels():
        return channel
    else:
        code = "channel_required" if channel in ("", Channel.ANY) else "invalid_choice"
    raise ValidationFailed(
        _("The channel does not fit the purpose."),
        errors=[FieldError(code, spec=CHANNEL, purpose=names, value=channel[:32])],
    )


def _granted_customer_ids(purpose: Purpose, channel: str) -> QuerySet[ConsentEvent, Any]:
    # "the latest decision is a grant" is "a grant with no withdrawal after it": an anti-join
    # the database answers from the indexes, where picking each customer's latest event
    # (GROUP BY, then a lookup per customer) took seconds on a million customers
    withdrawn_since = ConsentEvent.objects.filter(
        customer_id=OuterRef("customer_id"),
        purpose=purpose,
        channel=channel,
        action=Action.WITHDRAWN,
        id__gt=OuterRef("id"),
    )
    granted = ConsentEvent.objects.filter(
        purpose=purpose, channel=channel, action=Action.GRANTED
    ).exclude(Exists(withdrawn_since))
    return granted.order_by().values("customer_id")


def granted_customer_ids(purpose: Purpose | str, channel: str) -> QuerySet[ConsentEvent, Any]:
    """The ids of customers whose latest decision on purpose × channel is a grant (a subquery).

    Raises ValidationFailed naming the purpose or channel when either does not exist or fit.
    """
    found = get_purpose(purpose)
    return _granted_customer_ids(found, check_channel(found, channel))


def with_consent(
    queryset: QuerySet[Customer], purpose: Purpose | str, channel: str
) -> QuerySet[Customer]:
    """The customers in ``queryset`` whose latest decision on purpose × channel is a grant."""
    found = get_purpose(purpose)
    return queryset.filter(id__in=_granted_customer_ids(found, check_channel(found, channel)))


def without_consent(
    queryset: QuerySet[Customer], purpose: Purpose | str, channel: str
) -> QuerySet[Customer]:
    """The customers in ``queryset`` who never granted it, or withdrew it since."""
    found = get_purpose(purpose)
    return queryset.exclude(id__in=_granted_customer_ids(found, check_channel(found, channel)))


def _latest_by_subject(events: QuerySet[ConsentEvent]) -> dict[tuple[int, str], ConsentEvent]:
    latest = events.order_by().values("purpose_id", "channel").annotate(last=Max("id"))
    rows = ConsentEvent.objects.filter(id__in=latest.values("last"))
    return {(e.purpose_id, e.channel): e for e in rows}


def customer_states(customer: Customer) -> list[ConsentState]:
    """Every purpose × channel of one customer, with nothing recorded shown as "none"."""
    decided = _latest_by_subject(
        ConsentEvent.objects.filter(customer=customer, action__in=DECISIVE_ACTIONS)
    )
    pending = set(
        ConsentConfirmation.objects.filter(
            customer=customer,
            used_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).values_list("purpose_id", "channel")
    )
    states = []
    for purpose in purpose_list():
        for channel in purpose.channels():
            event = decided.get((purpose.pk, channel))
            states.append(
                ConsentState(
                    purpose=purpose.key,
                    purpose_name=purpose.name,
                    channel=channel,
                    status=event.action if event else "none",
                    since=event.created_at if event else None,
                    source=event.source if event else "",
                    notice_version=event.notice_version if event else "",
                    pending=(purpose.pk, channel) in pending,
                )
            )
    return states


def consent_status(*, actor: MaybeActor, customer_id: Any) -> list[ConsentState]:
    """The current consent of a customer the actor may see (NotFound otherwise)."""
    return customer_states(get_customer_object(actor=actor, customer_id=customer_id))


def _mask_ip(ip: str) -> str:
    if ":" in ip:
        return ":".join(ip.split(":")[:3]) + ":****"
    return ".".join(ip.split(".")[:3]) + ".*"


def present_event(
    event: ConsentEvent, actor: MaybeActor, *, personal_ok: bool | None = None
) -> dict:
    """A consent event as plain data; the customer's IP is masked unless personal data shows."""
    if personal_ok is None:
        personal_ok = may_see_personal(actor)
    evidence = dict(event.evidence or {})
    if evidence.get("ip") and not personal_ok:
        evidence["ip"] = _mask_ip(str(evidence["ip"]))
    return {
        "id": event.pk,
        "purpose": event.purpose.key,
        "purpose_name": event.purpose.name,
        "channel": event.channel,
        "channel_label": Channel(event.channel).label,
        "action": event.action,
        "action_label": Action(event.action).label,
        "source": event.source,
        "source_label": Source(event.source).label,
        "notice_version": event.notice_version,
        "evidence": evidence,
        "actor": event.actor.get_username() if event.actor else None,
        "created_at": event.created_at,
    }


def customer_history(
    customer: Customer, actor: MaybeActor, limit: int = HISTORY_LIMIT
) -> list[dict]:
    """A customer's consent events, newest first."""
    personal_ok = may_see_personal(actor)
    events = ConsentEvent.objects.filter(customer=customer).select_related("purpose", "actor")
    newest = events.order_by("-id")[:limit]
    return [present_event(e, actor, personal_ok=personal_ok) for e in newest]


def consent_history(
    *, actor: MaybeActor, customer_id: Any, limit: int = HISTORY_LIMIT
) -> list[dict]:
    """The consent events of a customer the actor may see, newest first."""
    customer = get_customer_object(actor=actor, customer_id=customer_id)
    return customer_history(customer, actor, limit)


def may_manage(actor: MaybeActor, customer: Customer) -> bool:
    """Whether the actor may record consent for this customer."""
    return may(actor, "consent.manage_consent") and (
        restrict(Customer.objects.filter(pk=customer.pk), actor, "change").exists()
    )


def consent_panel(*, actor: MaybeActor, customer_id: Any) -> dict[str, Any]:
    """Everything the consent page of a customer shows: the grid, the history, what is allowed."""
    customer = get_customer_object(actor=actor, customer_id=customer_id)
    states = customer_states(customer)
    rows = []
    for purpose in purpose_list():
        cells = [s for s in states if s.purpose == purpose.key]
        rows.append({"purpose": purpose, "cells": cells})
    return {
        "customer": customer,
        "rows": rows,
        "channels": [c for c in Channel if c != Channel.ANY],
        "history": customer_history(customer, actor),
        "can_manage": may_manage(actor, customer),
    }


def marketing_audience(
    *, actor: MaybeActor, channel: str, purpose: Purpose | str = MARKETING
) -> QuerySet[Customer]:
    """Customers the actor may export who consented to ``purpose`` on ``channel``."""
    if not may(actor, "customers.export_customer"):
        raise PermissionDenied(_("You may not export customers."))
    consenting = with_consent(customer_queryset(actor=actor, action="export"), purpose, channel)
    # restriction, objection and erasure (privacy requests) outrank any consent on record
    return usable_for(consenting, "marketing")


def audience_rows(
    queryset: QuerySet[Customer], *, actor: MaybeActor, channel: str
) -> Iterator[dict]:
    """id, display_name and the contact for ``channel`` of each customer, masked for the actor."""
    key, field_type = CONTACT_OF_CHANNEL[Channel(channel)]
    personal_ok = may_see_personal(actor)
    columns = ["id", "display_name", "attributes", "protected"]
    if key in ("phone", "email", "address"):
        columns.append(key)
    for customer in queryset.only(*columns).order_by("id").iterator(chunk_size=1000):
        if key in ("phone", "email", "address"):
            value = getattr(customer, key) or ""
        else:  # a template field: in the protected values, or general ones on older versions
            protected: dict[str, Any] = customer.protected or {}  # type: ignore[assignment]
            general: dict[str, Any] = customer.attributes or {}
            value = protected.get(key) or general.get(key) or ""
        if value and not personal_ok:
            value = mask_value(field_type, str(value))
        yield {"id": str(customer.pk), "display_name": customer.display_name, "contact": value}
