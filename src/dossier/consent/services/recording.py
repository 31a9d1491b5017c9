"""Recording consent: the checks every write shares, then grant and withdraw.

Every event is appended, never changed; each write is audited (action "update", object type
"consent") in the same transaction.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.consent import selectors
from dossier.consent.errors import IP, NOTICE_VERSION, SOURCE
from dossier.consent.models import Action, ConsentConfirmation, ConsentEvent, Purpose, Source
from dossier.core.actors import Actor, person
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.core.fields.messages import Words
from dossier.customers.access import customer_for, may
from dossier.customers.models import Customer
from dossier.customers.services import refuse_if_erased

# sources a plain grant from which must go through double opt-in when the purpose asks for it
UNCONFIRMED_SOURCES = (Source.FORM, Source.API)


def clean_text(value: Any, limit: int) -> str:
    """Text without control characters (PostgreSQL refuses NUL), trimmed and cut to ``limit``."""
    text = "" if value is None else str(value)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cc")
    return text.strip()[:limit]


def customer_for_consent(actor: Actor, customer_id: Any) -> Customer:
    """The customer the actor records consent for: NotFound if unseen, refused if unchangeable."""
    if not may(actor, "consent.manage_consent"):
        raise PermissionDenied(_("You may not record consent."))
    return customer_for(actor, customer_id, "change")


def check_source(source: str) -> str:
    """A source a user may record; "double_opt_in" is the confirmation's alone."""
    if source == Source.DOUBLE_OPT_IN:
        raise ValidationFailed(
            _("The consent could not be recorded."),
            errors=[FieldError("source_reserved", spec=SOURCE)],
        )
    if source not in Source.values:
        raise ValidationFailed(
            _("The consent could not be recorded."),
            errors=[FieldError("invalid_choice", spec=SOURCE, value=str(source)[:32])],
        )
    return source


def check_notice_version(value: Any, *, required: bool) -> str:
    """The version of the privacy notice the customer was shown (50 characters at most)."""
    text = clean_text(value, 1000)
    if required and not text:
        raise ValidationFailed(
            _("The consent could not be recorded."),
            errors=[FieldError("required", spec=NOTICE_VERSION)],
        )
    if len(text) > 50:
        raise ValidationFailed(
            _("The consent could not be recorded."),
            errors=[FieldError("too_long", spec=NOTICE_VERSION, max=50)],
        )
    return text


def check_evidence(evidence: Mapping[str, Any] | None, actor: Actor | None) -> dict[str, Any]:
    """The evidence kept with an event: known keys only, the recording user from the actor."""
    raw = dict(evidence or {})
    out: dict[str, Any] = {}
    ip = clean_text(raw.get("ip"), 64)
    if ip:
        try:
            out["ip"] = str(ipaddress.ip_address(ip))
        except ValueError:
            raise ValidationFailed(
                _("The consent could not be recorded."),
                errors=[FieldError("pattern", spec=IP)],
            ) from None
    for key, limit in (("user_agent", 300), ("reference", 200)):
        text = clean_text(raw.get(key), limit)
        if text:
            out[key] = text
    if actor is not None and getattr(actor, "is_authenticated", False):
        out["staff"] = actor.get_username()
    return out


def append_event(
    *,
    actor: Actor | None,
    customer: Customer,
    purpose: Purpose,
    channel: str,
    action: str,
    source: str,
    notice_version: str,
    evidence: dict[str, Any],
    audit_actor: Actor | None = None,
) -> ConsentEvent:
    """Append one event and its audit entry (``audit_actor`` if someone else relayed it)."""
    user = person(actor)
    event = ConsentEvent.objects.create(
        customer=customer,
        purpose=purpose,
        channel=channel,
        action=action,
        source=source,
        notice_version=notice_version,
        evidence=evidence,
        actor=user,
    )
    record_audit(
        actor=audit_actor if audit_actor is not None else actor,
        action="update",
        object_type="consent",
        object_id=event.pk,
        customer_id=customer.pk,
        changes={
            "purpose": purpose.key,
            "channel": channel,
            "action": action,
            "source": source,
            "notice_version": notice_version,
        },
        ip=evidence.get("ip"),
        user_agent=evidence.get("user_agent", ""),
    )
    return event


def cancel_open_codes(customer: Customer, purpose: Purpose, channel: str) -> None:
    """Unused codes for this customer, purpose and channel stop working."""
    ConsentConfirmation.objects.filter(
        customer=customer,
        purpose=purpose,
        channel=channel,
        used_at__isnull=True,
        cancelled_at__isnull=True,
    ).update(cancelled_at=timezone.now())


@transaction.atomic
def grant_consent(
    *,
    actor: Actor,
    customer_id: Any,
    purpose: Purpose | str,
    channel: str,
    source: str,
    notice_version: str,
    evidence: Mapping[str, Any] | None = None,
) -> ConsentEvent:
    """Record that the customer consented to ``purpose`` on ``channel``, under a notice version.

    A purpose that requires double opt-in refuses grants from a web form or the API: those
    must go through :func:`start_double_opt_in`. Staff, import and self-service grants record
    consent collected (and evidenced) elsewhere.
    """
    customer = customer_for_consent(actor, customer_id)
    # an erased customer has no one left to consent; withdrawing stays possible
    refuse_if_erased(customer)
    found = selectors.get_purpose(purpose)
    channel = selectors.check_channel(found, channel)
    source = check_source(source)
    if found.requires_double_opt_in and source in UNCONFIRMED_SOURCES:
        names = Words(found.name_en or found.name_zh, found.name_zh)
        raise ValidationFailed(
            _("This consent must be confirmed by the customer."),
            code="double_opt_in_required",
            errors=[FieldError("double_opt_in_required", spec=SOURCE, purpose=names)],
        )
    return append_event(
        actor=actor,
        customer=customer,
        purpose=found,
        channel=channel,
        action=Action.GRANTED,
        source=source,
        notice_version=check_notice_version(notice_version, required=True),
        evidence=check_evidence(evidence, actor),
    )


@transaction.atomic
def withdraw_consent(
    *,
    actor: Actor,
    customer_id: Any,
    purpose: Purpose | str,
    channel: str,
    source: str,
    notice_version: str = "",
    evidence: Mapping[str, Any] | None = None,
) -> ConsentEvent:
    """Record that the customer withdrew (or refused) consent; open codes for it stop working.

    Withdrawal is never held up by paperwork: the notice version is optional.
    """
    customer = customer_for_consent(actor, customer_id)
    found = selectors.get_purpose(purpose)
    channel = selectors.check_channel(found, channel)
    event = append_event(
        actor=actor,
        customer=customer,
        purpose=found,
        channel=channel,
        action=Action.WITHDRAWN,
        source=check_source(source),
        notice_version=check_notice_version(notice_version, required=False),
        evidence=check_evidence(evidence, actor),
    )
    cancel_open_codes(customer, found, channel)
    return event
