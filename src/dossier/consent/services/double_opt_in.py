"""Double opt-in: a one-time code to the customer, consent granted when they confirm it.

Only a keyed hash of each code is stored. Codes leave through the configured sender only after
the transaction commits, so a rolled-back write sends nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from dossier.accounts import login_guard
from dossier.consent import selectors
from dossier.consent.errors import CODE, DELIVER_VIA
from dossier.consent.models import (
    Action,
    Channel,
    ConsentConfirmation,
    ConsentEvent,
    Purpose,
    Source,
)
from dossier.consent.senders import ConsentMessage, get_sender
from dossier.consent.services.recording import (
    append_event,
    cancel_open_codes,
    check_evidence,
    check_notice_version,
    customer_for_consent,
)
from dossier.core.actors import Actor
from dossier.core.errors import TooManyAttempts, ValidationFailed
from dossier.core.fields import FieldError
from dossier.core.fields.messages import Words
from dossier.customers.models import Customer
from dossier.customers.services import refuse_if_erased

# Crockford base32: no I, L, O or U, so a code read aloud or typed is hard to get wrong
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10  # 50 bits: guessing one of many outstanding codes stays impractical
DEFAULT_CODE_HOURS = 48
DELIVERY = ("sms", "email")
DEFAULT_CONFIRM_ATTEMPTS = 10  # wrong codes per client address before each try waits longer
CONFIRM_FAILURE_WINDOW = 3600


@dataclass
class ConsentRequest:
    """A double opt-in that was started: the code itself went to the customer only."""

    event: ConsentEvent
    confirmation: ConsentConfirmation
    deliver_via: str
    expires_at: datetime


def normalise_code(code: Any) -> str:
    """A code as typed (any case, spaces, dashes, O for 0 …) in its canonical form."""
    text = "".join(ch for ch in str(code or "").upper() if ch.isalnum())
    return text.translate(str.maketrans("OIL", "011"))


def code_digest(code: str) -> str:
    """The keyed hash a code is stored as (a leaked table does not reveal codes)."""
    return salted_hmac("dossier.consent.code", normalise_code(code), algorithm="sha256").hexdigest()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _deliver_via(customer: Customer, channel: str, deliver_via: str) -> tuple[str, str]:
    """How the code travels (sms or email) and to which address."""
    if deliver_via and deliver_via not in DELIVERY:
        raise ValidationFailed(
            _("The code could not be sent."),
            errors=[FieldError("invalid_choice", spec=DELIVER_VIA, value=deliver_via[:16])],
        )
    if not deliver_via:
        if channel == Channel.EMAIL:
            deliver_via = "email"
        elif channel in (Channel.SMS, Channel.PHONE):
            deliver_via = "sms"
        else:  # WeChat, post, any: whatever the customer can receive, the phone first
            deliver_via = "sms" if customer.phone else "email"
    to = customer.phone if deliver_via == "sms" else customer.email
    if not to:
        email = deliver_via == "email"
        via = Words("e-mail address", "邮箱地址") if email else Words("mobile number", "手机号码")
        raise ValidationFailed(
            _("The code could not be sent."),
            errors=[FieldError("no_contact", spec=DELIVER_VIA, via=via)],
        )
    return deliver_via, to


def _message(
    *, customer: Customer, confirmation: ConsentConfirmation, code: str, to: str
) -> ConsentMessage:
    """The text a customer receives, in the deployment's language."""
    shown = f"{code[:5]}-{code[5:]}"
    base = getattr(settings, "DOSSIER_CONSENT_CONFIRM_URL", "")
    link = f"{base}?code={shown}" if base else ""
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "purpose": confirmation.purpose.name,
            "channel": Channel(confirmation.channel).label,
            "code": shown,
            "expires": timezone.localtime(confirmation.expires_at).strftime("%Y-%m-%d %H:%M"),
            "link": link,
        }
        body = _(
            "Your code to confirm consent to “%(purpose)s” (%(channel)s) is %(code)s, "
            "valid until %(expires)s."
        )
        body += (
            " "
            + (_("Confirm at %(link)s") if link else _("Give it to us to confirm."))
            + " "
            + _("If you did not ask for this, ignore this message.")
        )
        subject = _("Please confirm your consent")
    return ConsentMessage(
        customer_id=str(customer.pk),
        confirmation_id=confirmation.pk,
        via=confirmation.deliver_via,
        to=to,
        subject=str(subject),
        body=body % params,
        code=shown,
        link=link,
    )


def _send(message: ConsentMessage) -> None:
    get_sender().send(message)


@transaction.atomic
def start_double_opt_in(
    *,
    actor: Actor,
    customer_id: Any,
    purpose: Purpose | str,
    channel: str,
    notice_version: str,
    evidence: Mapping[str, Any] | None = None,
    deliver_via: str = "",
) -> ConsentRequest:
    """Send the customer a one-time code; consent is granted only when they confirm it.

    The code goes by SMS or e-mail (``deliver_via``; by default the channel itself, or the
    phone for WeChat, post and channel-independent purposes). A newer code replaces older ones.
    """
    customer = customer_for_consent(actor, customer_id)
    refuse_if_erased(customer)
    found = selectors.get_purpose(purpose)
    channel = selectors.check_channel(found, channel)
    notice = check_notice_version(notice_version, required=True)
    via, to = _deliver_via(customer, channel, str(deliver_via or ""))
    stored_evidence = {**check_evidence(evidence, actor), "deliver_via": via}
    cancel_open_codes(customer, found, channel)
    event = append_event(
        actor=actor,
        customer=customer,
        purpose=found,
        channel=channel,
        action=Action.REQUESTED,
        source=Source.DOUBLE_OPT_IN,
        notice_version=notice,
        evidence=stored_evidence,
    )
    code = _new_code()
    hours = getattr(settings, "DOSSIER_CONSENT_CODE_HOURS", DEFAULT_CODE_HOURS)
    confirmation = ConsentConfirmation.objects.create(
        customer=customer,
        purpose=found,
        channel=channel,
        code_digest=code_digest(code),
        deliver_via=via,
        request_event=event,
        expires_at=timezone.now() + timedelta(hours=hours),
    )
    message = _message(customer=customer, confirmation=confirmation, code=code, to=to)
    # not a background task: its arguments (the code) would be stored in plaintext
    transaction.on_commit(partial(_send, message), robust=True)
    return ConsentRequest(
        event=event, confirmation=confirmation, deliver_via=via, expires_at=confirmation.expires_at
    )


def _code_refused(code: str) -> ValidationFailed:
    return ValidationFailed(
        _("The consent could not be confirmed."),
        code="confirmation_refused",
        errors=[FieldError(code, spec=CODE)],
    )


def confirm_double_opt_in(
    *,
    code: str,
    evidence: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
    client_ip: str | None = None,
) -> ConsentEvent:
    """The customer confirms with their code: consent is granted (source "double_opt_in").

    Needs no actor: the customer confirms. ``actor`` is the API user relaying it, if any (for
    the audit log). A wrong, expired, used or replaced code is refused on the field ``code``.
    Failures are counted per client address (``client_ip``) and per code: past a few, each
    further try waits longer (:class:`TooManyAttempts`, with the seconds to wait).
    """
    canonical = normalise_code(code)
    wait = max(
        login_guard.wait_seconds("consent-code", canonical),
        login_guard.wait_seconds("consent-address", client_ip) if client_ip else 0,
    )
    if wait:
        raise TooManyAttempts(_("Too many wrong codes. Try again later."), retry_after=wait)
    try:
        return _confirm(code=canonical, evidence=evidence, actor=actor)
    except ValidationFailed:
        free = getattr(settings, "DOSSIER_CONSENT_CONFIRM_ATTEMPTS", DEFAULT_CONFIRM_ATTEMPTS)
        window = CONFIRM_FAILURE_WINDOW
        if len(canonical) == CODE_LENGTH:  # a malformed code matches nothing: no code to guard
            login_guard.record_failure_of("consent-code", canonical, free=3, window=window)
        if client_ip:
            login_guard.record_failure_of("consent-address", client_ip, free=free, window=window)
        raise


@transaction.atomic
def _confirm(*, code: str, evidence: Mapping[str, Any] | None, actor: Actor | None) -> ConsentEvent:
    canonical = normalise_code(code)
    if len(canonical) != CODE_LENGTH:
        raise _code_refused("code_invalid")
    confirmation = (
        ConsentConfirmation.objects.select_for_update(of=("self",))
        .select_related("purpose", "customer", "request_event")
        .filter(code_digest=code_digest(canonical))
        .first()
    )
    if confirmation is None:
        raise _code_refused("code_invalid")
    if confirmation.used_at is not None:
        raise _code_refused("code_used")
    customer = confirmation.customer
    if confirmation.cancelled_at is not None or customer.deleted_at is not None:
        raise _code_refused("code_cancelled")
    if customer.erased_at is not None:
        raise _code_refused("code_cancelled")
    if confirmation.expires_at <= timezone.now():
        raise _code_refused("code_expired")
    stored_evidence = check_evidence(evidence, None)
    stored_evidence["confirmation"] = confirmation.pk
    requested_by = confirmation.request_event.evidence.get("staff")
    if requested_by:
        stored_evidence["requested_by"] = requested_by
    event = append_event(
        actor=None,
        customer=confirmation.customer,
        purpose=confirmation.purpose,
        channel=confirmation.channel,
        action=Action.GRANTED,
        source=Source.DOUBLE_OPT_IN,
        notice_version=confirmation.request_event.notice_version,
        evidence=stored_evidence,
        audit_actor=actor,
    )
    confirmation.used_at = timezone.now()
    confirmation.grant_event = event
    confirmation.save(update_fields=["used_at", "grant_event"])
    return event
