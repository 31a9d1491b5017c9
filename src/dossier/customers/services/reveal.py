"""Revealing masked values: a permission, a stated reason, and an audit entry every time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import customer_for, may
from dossier.customers.values import personal_strings, stored_values

MIN_REASON = 4


@transaction.atomic
def reveal_values(
    *, actor: User, customer_id: Any, fields: Sequence[str], reason: str
) -> dict[str, Any]:
    """The whole stored values of the named fields, for the reason given (audited)."""
    if not may(actor, "customers.reveal_customer"):
        raise PermissionDenied(_("You may not reveal customers' protected data."))
    customer = customer_for(actor, customer_id, "reveal")
    specs = customer.template_version.specs()
    known = {spec.key: spec for spec in specs}
    errors = [
        FieldError("unknown_field", field="fields", label=str(key))
        for key in fields
        if key not in known
    ]
    if not fields:
        errors.append(FieldError("required", field="fields", label=_("Fields")))
    if len(reason.strip()) < MIN_REASON:
        errors.append(FieldError("too_short", field="reason", label=_("Reason"), min=MIN_REASON))
    if errors:
        raise ValidationFailed(_("Say which fields to reveal and why."), errors=errors)
    values = stored_values(customer, specs)
    record_audit(
        actor=actor,
        action="reveal",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"fields": list(dict.fromkeys(fields))},
        reason=reason.strip(),
        forget=personal_strings(customer, specs),
    )
    return {key: values.get(key) for key in fields}
