"""Writes of the capture app: forms (staff) and submissions (the public)."""

from dossier.capture.services.forms import (
    check_may_keep,
    create_form,
    form_to_keep,
    may_keep_forms,
    offered_fields,
    set_active,
    update_form,
)
from dossier.capture.services.submissions import (
    Outcome,
    check_rate,
    confirm_code,
    expire_pending,
    pending_submission,
    submit,
)

__all__ = [
    "Outcome",
    "check_may_keep",
    "check_rate",
    "confirm_code",
    "create_form",
    "expire_pending",
    "form_to_keep",
    "may_keep_forms",
    "offered_fields",
    "pending_submission",
    "set_active",
    "submit",
    "update_form",
]
