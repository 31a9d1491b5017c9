"""Codes for a phone number or e-mail address before any customer holds it (capture forms).

``start_value_check`` sends a code to the value and returns the check's id; the form keeps
the id (not the code) and asks the visitor for the code; ``confirm_value_check`` proves the
value. When the form then creates the customer, ``recording.attach_value_check`` records the
verification on the new customer's field. Rate-limited per value (and, for the caller's
address, by the capture app's own guard).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError, FieldSpec, get_type
from dossier.protection.disclosure import lookup_digest
from dossier.verification.errors import FIELD, VerificationError
from dossier.verification.models import VerificationCode
from dossier.verification.services import common
from dossier.verification.services.codes import (
    CodeSent,
    cancel_open_codes,
    check_code,
    refuse_too_many_sends,
    send_code,
)


def _parsed(field_type: str, value: str) -> str:
    if field_type not in common.VIA:
        raise ValidationFailed(
            _("This field cannot be verified."),
            errors=[VerificationError("not_contact_field", spec=FIELD, value=field_type[:64])],
        )
    spec = FieldSpec(field_type, field_type, classification="personal")
    try:
        return str(get_type(field_type).parse(value, spec))
    except FieldError as error:
        raise ValidationFailed(_("The value could not be verified."), errors=[error]) from error


@transaction.atomic
def start_value_check(*, field_type: str, value: str) -> CodeSent:
    """Send a code to a phone number or e-mail address no customer holds yet (or not known).

    No actor: the visitor asks for it. The capture app must guard its form (per address).
    """
    normalised = _parsed(field_type, value)
    digest = lookup_digest(field_type, normalised)
    sent = VerificationCode.objects.filter(
        customer__isnull=True, field=field_type, value_digest=digest
    )
    refuse_too_many_sends(sent)
    cancel_open_codes(sent)
    code = common.new_code()
    row = VerificationCode.objects.create(
        field=field_type,
        value_digest=digest,
        code_digest=common.code_digest(code, digest),
        via=common.VIA[field_type],
        expires_at=timezone.now() + timedelta(minutes=common.code_minutes()),
    )
    send_code(to=normalised, via=row.via, code=code, row=row, customer_id="")
    return CodeSent(field=field_type, via=row.via, expires_at=row.expires_at, check_id=row.pk)


def confirm_value_check(*, check_id: int, code: str) -> str:
    """The visitor's code for a check: returns the proved value's blind index, or 422."""
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(pk=check_id, customer__isnull=True)
            .first()
        )
        problem = check_code(row, code, row.value_digest if row else None)
        if row is not None:
            row.save(update_fields=["attempts", "cancelled_at", "used_at"])
            if not problem:
                return row.value_digest
    raise common.refused(problem)
