"""A one-time code to a customer's phone or e-mail; the value is verified when it comes back.

The code leaves through the consent app's sender (``DOSSIER_CONSENT_SENDER``), after the
transaction commits. Only a keyed hash of it is stored, bound to the value's blind index; it
expires, works once, and stops working after a few wrong tries, when a newer code is sent or
when the value changes. Staff enter the code the customer reads back to them (see README).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.consent.senders import ConsentMessage, get_sender
from dossier.core.actors import Actor, person
from dossier.core.errors import TooManyAttempts
from dossier.customers.access import customer_for
from dossier.customers.models import Customer
from dossier.customers.services import refuse_if_erased
from dossier.verification.models import ContactVerification, Method, VerificationCode
from dossier.verification.services import common


@dataclass(frozen=True)
class CodeSent:
    """A code on its way: where to (sms/email) and until when it works. Never the code."""

    field: str
    via: str
    expires_at: datetime
    check_id: int


def refuse_too_many_sends(sent: Any) -> None:
    """429 when this many codes went out in the last hour (``sent``: the window's codes)."""
    since = timezone.now() - timedelta(seconds=common.SEND_WINDOW)
    times = sorted(sent.filter(created_at__gt=since).values_list("created_at", flat=True))
    if len(times) >= common.sends_per_hour():
        oldest = times[-common.sends_per_hour()]
        wait = int((oldest - since).total_seconds()) + 1
        raise TooManyAttempts(_("Too many codes sent. Try again later."), retry_after=wait)


def send_code(*, to: str, via: str, code: str, row: VerificationCode, customer_id: str) -> None:
    """Queue the message for after the commit (a rolled-back start sends nothing)."""
    with translation.override(settings.LANGUAGE_CODE):
        params = {
            "code": code,
            "expires": timezone.localtime(row.expires_at).strftime("%Y-%m-%d %H:%M"),
        }
        body = _("Your verification code is %(code)s, valid until %(expires)s.") % params
        body += " " + _("If you did not ask for this, ignore this message.")
        subject = str(_("Your verification code"))
    message = ConsentMessage(
        customer_id=customer_id,
        confirmation_id=row.pk,
        via=via,
        to=to,
        subject=subject,
        body=body,
        code=code,
    )
    # not a background task: its arguments (the code) would be stored in plaintext
    transaction.on_commit(partial(_deliver, message), robust=True)


def _deliver(message: ConsentMessage) -> None:
    get_sender().send(message)


def cancel_open_codes(codes: Any) -> None:
    codes.filter(used_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=timezone.now()
    )


@transaction.atomic
def start_verification(*, actor: Actor, customer_id: Any, field: str) -> CodeSent:
    """Send a one-time code to the current value of the customer's phone or e-mail field.

    Only those who may change the customer; a newer code replaces older ones; at most a few
    codes per customer and field in an hour (429 with the seconds to wait).
    """
    customer = customer_for(actor, customer_id, "change", lock=True)
    refuse_if_erased(customer)
    spec = common.contact_spec(customer, field)
    value, digest = common.current_value(customer, spec)
    sent = VerificationCode.objects.filter(customer=customer, field=spec.key)
    refuse_too_many_sends(sent)
    cancel_open_codes(sent)
    code = common.new_code()
    row = VerificationCode.objects.create(
        customer=customer,
        field=spec.key,
        value_digest=digest,
        code_digest=common.code_digest(code, digest),
        via=common.VIA[spec.type],
        created_by=person(actor),
        expires_at=timezone.now() + timedelta(minutes=common.code_minutes()),
    )
    record_audit(
        actor=actor,
        action="verification.code_sent",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"field": spec.key, "via": row.via},
    )
    send_code(to=value, via=row.via, code=code, row=row, customer_id=str(customer.pk))
    return CodeSent(field=spec.key, via=row.via, expires_at=row.expires_at, check_id=row.pk)


def check_code(row: VerificationCode | None, code: str, current_digest: str | None) -> str:
    """Why ``code`` does not prove ``row``'s value (an error code), or "" when it does.

    Counts a wrong try on the row; the caller saves it (outside any rollback).
    """
    now = timezone.now()
    if row is None:
        return "no_code"
    if row.used_at is not None:
        return "code_used"
    if row.cancelled_at is not None or row.value_digest != current_digest:
        return "code_cancelled"
    if row.expires_at <= now:
        return "code_expired"
    if row.attempts >= common.MAX_ATTEMPTS:
        return "code_attempts"
    canonical = common.normalise_code(code)
    if len(canonical) != common.CODE_LENGTH or not common.code_matches(
        canonical, row.code_digest, row.value_digest
    ):
        row.attempts += 1
        if row.attempts >= common.MAX_ATTEMPTS:
            row.cancelled_at = now
            return "code_attempts"
        return "code_invalid"
    row.used_at = now
    return ""


def confirm_verification(
    *, actor: Actor, customer_id: Any, field: str, code: str
) -> ContactVerification:
    """The code the customer read back: their current value of the field is verified.

    A wrong, expired, used or replaced code, or one sent to a value that has since changed, is
    refused on the field ``code``; after a few wrong tries the code stops working.
    """
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change", lock=True)
        refuse_if_erased(customer)
        spec = common.contact_spec(customer, field)
        row = (
            VerificationCode.objects.select_for_update()
            .filter(customer=customer, field=spec.key)
            .order_by("-created_at", "-pk")
            .first()
        )
        _value, digest = common.current_value(customer, spec)
        problem = check_code(row, code, digest)
        if row is not None:
            row.save(update_fields=["attempts", "cancelled_at", "used_at"])
        if problem:
            record_audit(
                actor=actor,
                action="verification.code_refused",
                object_type="customer",
                object_id=customer.pk,
                customer_id=customer.pk,
                changes={"field": spec.key, "why": problem},
            )
        else:
            return _verified(actor, customer, spec.key, digest)
    # outside the block: the counted try stays saved
    raise common.refused(problem)


def _verified(actor: Actor, customer: Customer, field: str, digest: str) -> ContactVerification:
    return common.mark_verified(
        actor=actor, customer=customer, field=field, digest=digest, method=Method.CODE
    )
