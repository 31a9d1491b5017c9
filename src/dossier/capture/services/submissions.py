"""What happens when someone sends a public capture form.

The public never learns whether they are already on file: a new customer, a match with an
existing one and a honeypot catch all end on the same thank-you page. A likely duplicate
(under the template's "block" or "warn" policy) is not stored twice and not refused: the
submission is attached to the existing customer and their owner gets a follow-up task to
check it (the submitter is not proven to be that customer, so their consents are not
recorded on it; the task says so).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossier.accounts import login_guard
from dossier.audit.services import record_audit
from dossier.capture import throttle
from dossier.capture.models import CaptureForm, CaptureSubmission, Status
from dossier.capture.services.forms import offered_fields
from dossier.consent.models import Purpose
from dossier.consent.senders import ConsentMessage, get_sender
from dossier.consent.services import (
    code_digest,
    grant_consent,
    normalise_code,
    start_double_opt_in,
)
from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.core.errors import TooManyAttempts, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, validate_values
from dossier.customers.duplicates import LikelyDuplicate
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.customers.services.profiles import current_version
from dossier.customers.values import split_values
from dossier.followups.services import schedule_follow_up
from dossier.matching.services.entry import likely_duplicates

#: the most characters any one answer may have before the template's own rules look at it
MAX_VALUE = 1000
MAX_CHOICES = 50
CODE_DIGITS = 6
CODE_MINUTES = 30
#: wrong codes a submission takes before it is void (6 digits: 5 tries ≈ 1 in 200,000)
MAX_CODE_ATTEMPTS = 5
HONEYPOT = "website"
CODE = FieldLabel("code", "验证码", "Code")


@dataclass(frozen=True)
class Outcome:
    """What the public page shows next: the thank-you page, or the code page (``pending``)."""

    submission: CaptureSubmission | None
    pending: bool = False


def _actor(form: CaptureForm) -> Any:
    return system_actor(f"capture:{form.slug}")


def _answers(form: CaptureForm, data: Mapping[str, Any]) -> dict[str, Any]:
    """The form's fields from the request, each within MAX_VALUE; other keys are ignored."""
    values: dict[str, Any] = {}
    errors = []
    for spec in offered_fields(form):
        raw = data.get(spec.key, "")
        items = raw if isinstance(raw, list | tuple) else [raw]
        if len(items) > MAX_CHOICES or any(len(str(i)) > MAX_VALUE for i in items):
            errors.append(FieldError("too_long", spec=spec, max=MAX_VALUE))
            continue
        values[spec.key] = [str(i) for i in items] if spec.type == "multi_choice" else str(raw)
    if errors:
        raise ValidationFailed(_("Please check the highlighted fields."), errors=errors)
    version_keys = {s.key for s in current_version(form.template).specs()}
    if form.source and "source" in version_keys:
        values["source"] = form.source
    if form.lifecycle and "lifecycle" in version_keys:
        values["lifecycle"] = form.lifecycle
    return values


def _ticked(form: CaptureForm, data: Mapping[str, Any]) -> list[str]:
    raw = data.get("consents") or []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [k for k in form.consents if k in {str(i)[:64] for i in items[:MAX_CHOICES]}]


def check_rate(client_ip: str | None) -> str:
    """The client's hash; TooManyAttempts when it sent too many forms lately."""
    hashed = throttle.client_hash(client_ip)
    wait = throttle.wait_seconds(hashed)
    if wait:
        raise TooManyAttempts(
            _("Too many forms sent from here. Try again later."), retry_after=wait
        )
    return hashed


@transaction.atomic
def submit(
    *, form: CaptureForm, data: Mapping[str, Any], client_ip: str | None, user_agent: str = ""
) -> Outcome:
    """Take one submission: a customer (or lead), a match, or a code to confirm first.

    Raises ValidationFailed naming each field (nothing written), TooManyAttempts past the rate.
    """
    hashed = check_rate(client_ip)
    throttle.count_submission(hashed)
    if str(data.get(HONEYPOT, "")).strip():
        return Outcome(None)  # a robot: looks accepted, nothing kept
    values = _answers(form, data)
    submission = CaptureSubmission(
        form=form,
        client_hash=hashed,
        user_agent="".join(ch for ch in user_agent if ch.isprintable())[:200],
        consents=_ticked(form, data),
    )
    if form.require_verification:
        result = validate_values(values, current_version(form.template).specs())
        if not result.ok:
            raise ValidationFailed(_("Please check the highlighted fields."), errors=result.errors)
        _send_code(form, submission, values, str(result.clean.get(_contact_key(form)) or ""))
        return Outcome(submission, pending=True)
    _store(form, submission, values, client_ip)
    return Outcome(submission)


def _contact_key(form: CaptureForm) -> str:
    return "phone" if form.verify_via == "sms" else "email"


def _send_code(
    form: CaptureForm, submission: CaptureSubmission, values: dict[str, Any], to: str
) -> None:
    """Keep the values until the code comes back; the code leaves by consent's sender."""
    code = "".join(secrets.choice("0123456789") for _i in range(CODE_DIGITS))
    submission.status = Status.PENDING
    submission.pending_values = values
    submission.code_digest = code_digest(code)
    submission.code_expires_at = timezone.now() + timedelta(minutes=CODE_MINUTES)
    submission.save()
    # in the language the submitter reads the form in
    body = _("Your code for “%(form)s” is %(code)s, valid for %(minutes)d minutes.") % {
        "form": form.title,
        "code": code,
        "minutes": CODE_MINUTES,
    }
    subject = str(_("Your confirmation code"))
    message = ConsentMessage(
        customer_id="",
        confirmation_id=0,
        via=form.verify_via,
        to=to,
        subject=subject,
        body=body + " " + _("If you did not ask for this, ignore this message."),
        code=code,
    )
    # like consent's codes: sent after the commit, never through a stored task (plaintext)
    transaction.on_commit(partial(get_sender().send, message), robust=True)


def _code_refused(code: str) -> ValidationFailed:
    return ValidationFailed(
        _("The code could not be confirmed."), errors=[FieldError(code, spec=CODE)]
    )


def pending_submission(public_id: Any) -> CaptureSubmission | None:
    """The submission waiting for its code, by the id the submitter's page holds."""
    try:
        return (
            CaptureSubmission.objects.select_related("form", "form__template", "form__owner")
            .filter(public_id=public_id, status=Status.PENDING, form__active=True)
            .first()
        )
    except (ValueError, TypeError):
        return None


def confirm_code(*, submission: CaptureSubmission, code: str, client_ip: str | None) -> Outcome:
    """The submitter types the code: the submission is stored as if sent unverified now.

    Wrong codes are counted per submission (void after MAX_CODE_ATTEMPTS) and per address.
    """
    address = str(client_ip or "-")
    wait = login_guard.wait_seconds("capture-code", address)
    if wait:
        raise TooManyAttempts(_("Too many wrong codes. Try again later."), retry_after=wait)
    refused = _confirm(submission.pk, code, client_ip)
    if isinstance(refused, str):
        # counted after the commit above: the attempt stays counted although we raise
        login_guard.record_failure_of("capture-code", address, free=20, window=3600)
        raise _code_refused(refused)
    return refused


@transaction.atomic
def _confirm(pk: Any, code: str, client_ip: str | None) -> Outcome | str:
    """The stored submission, or the reason the code was refused (its attempt kept)."""
    submission = CaptureSubmission.objects.select_for_update().get(pk=pk)
    if submission.status != Status.PENDING:
        return "code_used"
    if submission.code_expires_at is None or submission.code_expires_at <= timezone.now():
        _void(submission)
        return "code_expired"
    if code_digest(normalise_code(code)) != submission.code_digest:
        submission.code_attempts += 1
        submission.save(update_fields=["code_attempts"])
        if submission.code_attempts >= MAX_CODE_ATTEMPTS:
            _void(submission)
        return "code_invalid"
    form = CaptureForm.objects.select_related("template", "owner").get(pk=submission.form_id)
    values = dict(submission.pending_values)
    submission.pending_values = {}
    submission.code_digest = ""
    submission.confirmed_at = timezone.now()
    _store(form, submission, values, client_ip)
    return Outcome(submission)


def _void(submission: CaptureSubmission) -> None:
    """An unconfirmed submission forgets what was typed."""
    submission.status = Status.EXPIRED
    submission.pending_values = {}
    submission.code_digest = ""
    submission.save()


def expire_pending(*, now: Any = None) -> int:
    """Submissions whose code ran out forget their values (run from a periodic job)."""
    now = now or timezone.now()
    return CaptureSubmission.objects.filter(status=Status.PENDING, code_expires_at__lte=now).update(
        status=Status.EXPIRED, pending_values={}, code_digest=""
    )


def owner_of_submissions(form: CaptureForm) -> Any:
    """The form's owner while active; else a manager of the form's team (the form goes on
    working when its owner leaves); else the owner, and the service says why it cannot."""
    if form.owner.is_active or form.team_id is None:
        return form.owner
    from django.contrib.auth.models import User

    manager = (
        User.objects.filter(
            is_active=True,
            groups__name=roles.MANAGER,
            membership__team_id=form.team_id,
        )
        .order_by("pk")
        .first()
    )
    return manager or form.owner


def _store(
    form: CaptureForm, submission: CaptureSubmission, values: dict[str, Any], client_ip: str | None
) -> None:
    """Create the customer with their consents, or attach the submission to their match."""
    owner = owner_of_submissions(form)
    try:
        customer = create_customer(actor=owner, template=form.template, values=values, owner=owner)
    except LikelyDuplicate:
        _attach_to_match(form, submission, values)
        return
    except ValidationFailed as error:
        # "another customer already has this value" would tell a stranger who is on file:
        # a value held by someone else is a match like any other
        if not error.errors or any(e.code != "not_unique" for e in error.errors):
            raise
        _attach_to_match(form, submission, values)
        return
    submission.customer = customer
    submission.status = Status.CREATED
    submission.save()
    _record_consents(form, submission, customer, client_ip)
    _audit(form, submission, customer.pk)


def _record_consents(
    form: CaptureForm, submission: CaptureSubmission, customer: Customer, client_ip: str | None
) -> None:
    """Each ticked purpose in the ledger under the form's notice version (source "form");
    purposes that ask for double opt-in get their code the usual way instead."""
    actor = _actor(form)
    evidence = {
        "ip": client_ip or "",
        "user_agent": submission.user_agent,
        "reference": submission.source_label,
    }
    purposes = {p.key: p for p in Purpose.objects.filter(key__in=submission.consents)}
    for key in submission.consents:
        purpose = purposes.get(key)
        if purpose is None:
            continue
        channel = form.consent_channel if purpose.per_channel else "any"
        common = {
            "actor": actor,
            "customer_id": customer.pk,
            "purpose": purpose,
            "channel": channel,
            "notice_version": form.notice_version,
            "evidence": evidence,
        }
        if purpose.requires_double_opt_in:
            start_double_opt_in(**common)
        else:
            grant_consent(source="form", **common)


def _attach_to_match(
    form: CaptureForm, submission: CaptureSubmission, values: dict[str, Any]
) -> None:
    """The best match gets the submission and its owner a task; nothing new is stored."""
    specs = current_version(form.template).specs()
    clean = validate_values(values, specs).clean
    found = likely_duplicates(clean, specs, split_values(clean, specs).lookup_rows())
    submission.status = Status.MATCHED
    if not found:  # a unique value held by someone the matching does not name: no task
        submission.save()
        _audit(form, submission, None)
        return
    existing = found[0][0]
    submission.customer = existing
    submission.save()
    with translation.override(settings.LANGUAGE_CODE):
        title = _(
            "Form “%(form)s” received a submission matching this customer: check it with them "
            "(its consents were not recorded)."
        ) % {"form": form.title[:60]}
    schedule_follow_up(
        actor=_actor(form),
        customer_id=existing.pk,
        title=title,
        due_at=timezone.now() + timedelta(days=1),
        cause_kind="capture",
        cause_id=submission.pk,
    )
    _audit(form, submission, existing.pk)


def _audit(form: CaptureForm, submission: CaptureSubmission, customer_id: Any) -> None:
    record_audit(
        actor=_actor(form),
        action="create",
        object_type="capture_submission",
        object_id=submission.pk,
        customer_id=customer_id,
        changes={"form": form.slug, "status": submission.status},
    )
