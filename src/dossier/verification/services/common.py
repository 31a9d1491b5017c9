"""What the verification services share: the codes, the fields, the verified mark."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldSpec
from dossier.customers.models import Customer
from dossier.customers.values import personal_strings, stored_values
from dossier.protection.disclosure import lookup_digest
from dossier.verification import selectors
from dossier.verification.errors import CODE, FIELD, VerificationError
from dossier.verification.models import ContactVerification, Method

CODE_LENGTH = 6  # digits: read out over the phone; guessing is stopped by MAX_ATTEMPTS
MAX_CODE_INPUT = 32  # longer input is refused before anything is hashed
DEFAULT_CODE_MINUTES = 15
MAX_ATTEMPTS = 5  # wrong codes before a code stops working
DEFAULT_SENDS_PER_HOUR = 5  # codes per customer and field (or per value) in an hour
SEND_WINDOW = 3600
VIA = {"phone": "sms", "email": "email"}


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _i in range(CODE_LENGTH))


def normalise_code(code: Any) -> str:
    """A code as typed (spaces, dashes, full-width digits) in its canonical form."""
    text = str(code or "")[:MAX_CODE_INPUT]
    return "".join(ch for ch in text if ch.isdigit()).translate(
        str.maketrans("０１２３４５６７８９", "0123456789")
    )


def code_digest(code: str, value_digest: str) -> str:
    """The keyed hash a code is stored as, bound to the value it was sent to."""
    text = f"{value_digest}:{normalise_code(code)}"
    return salted_hmac("dossier.verification.code", text, algorithm="sha256").hexdigest()


def code_matches(code: str, stored: str, value_digest: str) -> bool:
    return constant_time_compare(code_digest(code, value_digest), stored)


def code_minutes() -> int:
    return int(getattr(settings, "DOSSIER_VERIFICATION_CODE_MINUTES", DEFAULT_CODE_MINUTES))


def sends_per_hour() -> int:
    return int(getattr(settings, "DOSSIER_VERIFICATION_SENDS_PER_HOUR", DEFAULT_SENDS_PER_HOUR))


def refused(code: str, **params: Any) -> ValidationFailed:
    """A refused code, on the field ``code``."""
    return ValidationFailed(
        _("The value could not be verified."),
        code="verification_refused",
        errors=[VerificationError(code, spec=CODE, **params)],
    )


def contact_spec(customer: Customer, field: str) -> FieldSpec:
    """The customer's phone or e-mail field ``field``; 422 naming it otherwise."""
    for spec in selectors.contact_specs(customer):
        if spec.key == field:
            return spec
    raise ValidationFailed(
        _("This field cannot be verified."),
        errors=[VerificationError("not_contact_field", spec=FIELD, value=str(field)[:64])],
    )


def current_value(customer: Customer, spec: FieldSpec) -> tuple[str, str]:
    """The field's current value and its blind index; 422 when it has none."""
    value = stored_values(customer, [spec]).get(spec.key)
    if not value:
        raise ValidationFailed(
            _("This field cannot be verified."),
            errors=[VerificationError("no_value", spec=spec)],
        )
    return str(value), lookup_digest(spec.type, value)


def mark_verified(
    *,
    actor: MaybeActor,
    customer: Customer,
    field: str,
    digest: str,
    method: Method | str,
    reason: str = "",
) -> ContactVerification:
    """Store that this value of the field is verified (again), and audit it."""
    verification, _created = ContactVerification.objects.update_or_create(
        customer=customer,
        field=field,
        digest=digest,
        defaults={
            "verified_at": timezone.now(),
            "method": str(method),
            "verified_by": person(actor),
        },
    )
    record_audit(
        actor=actor,
        action="verification.verified",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"field": field, "method": str(method)},
        reason=reason,
        forget=personal_strings(customer, customer.template_version.specs()) if reason else (),
    )
    return verification
