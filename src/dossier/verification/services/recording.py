"""Verifications recorded without a code: a staff member's call, an import, a capture form."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dossier.core.actors import Actor
from dossier.core.errors import ValidationFailed
from dossier.customers.access import customer_for
from dossier.customers.services import refuse_if_erased
from dossier.verification.errors import CODE, METHOD, VerificationError
from dossier.verification.models import ContactVerification, Method, VerificationCode
from dossier.verification.services import common

#: what staff and jobs may record directly; "code" is only ever set by a confirmed code
RECORDED = (Method.STAFF_CALL, Method.IMPORT)
MAX_NOTE = 500


@transaction.atomic
def record_verification(
    *,
    actor: Actor,
    customer_id: Any,
    field: str,
    method: str = Method.STAFF_CALL,
    note: str = "",
) -> ContactVerification:
    """Record that the customer's current value of the field is verified without a code.

    ``staff_call``: a member of staff called the number (or wrote to the address) and spoke to
    the customer; ``import``: the source the values came from had verified them. Only those
    who may change the customer; audited with the note (personal values in it are blanked).
    """
    customer = customer_for(actor, customer_id, "change", lock=True)
    refuse_if_erased(customer)
    if method not in RECORDED:
        raise ValidationFailed(
            _("This kind of verification cannot be recorded."),
            errors=[VerificationError("invalid_choice", spec=METHOD, value=str(method)[:32])],
        )
    spec = common.contact_spec(customer, field)
    _value, digest = common.current_value(customer, spec)
    return common.mark_verified(
        actor=actor,
        customer=customer,
        field=spec.key,
        digest=digest,
        method=method,
        reason=str(note or "").strip()[:MAX_NOTE],
    )


@transaction.atomic
def attach_value_check(
    *, actor: Actor, check_id: int, customer_id: Any, field: str
) -> ContactVerification:
    """A value proved by code before the customer existed (``services.values``) is now the
    customer's: record it as verified by the customer (``self_service``).

    Refused unless the check was confirmed, is not yet attached, and its value is the
    customer's current value of ``field``.
    """
    customer = customer_for(actor, customer_id, "change", lock=True)
    refuse_if_erased(customer)
    spec = common.contact_spec(customer, field)
    _value, digest = common.current_value(customer, spec)
    check = (
        VerificationCode.objects.select_for_update()
        .filter(pk=check_id, customer__isnull=True, field=spec.type, used_at__isnull=False)
        .first()
    )
    if check is None or check.value_digest != digest or check.cancelled_at is not None:
        raise ValidationFailed(
            _("The value could not be verified."),
            errors=[VerificationError("code_invalid", spec=CODE)],
        )
    # one check proves one customer's value: it cannot be attached twice
    check.cancelled_at = check.used_at
    check.save(update_fields=["cancelled_at"])
    return common.mark_verified(
        actor=actor, customer=customer, field=spec.key, digest=digest, method=Method.SELF_SERVICE
    )
