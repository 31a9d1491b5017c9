"""The loyalty app's refusals: each names what was asked and why it cannot be done."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from dossier.core.errors import Conflict, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel

POINTS = FieldLabel("points", "积分", "Points")
REASON = FieldLabel("reason", "原因", "Reason")
NOTE = FieldLabel("note", "备注", "Note")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: the most points one entry may move
MAX_POINTS = 100_000_000


class NotEnoughPoints(Conflict):
    """A redemption (or a taking away) of more points than the customer holds."""

    code = "not_enough_points"

    def __init__(self, *, customer_id: Any, points: int, balance: int) -> None:
        super().__init__(
            _("Customer %(customer)s has %(balance)d points; %(points)d were asked.")
            % {"customer": customer_id, "balance": balance, "points": points},
            extra={"customer_id": str(customer_id), "points": points, "balance": balance},
        )


def whole_points(value: Any, *, signed: bool = False, limit: int = MAX_POINTS) -> int:
    """``value`` as a whole number of points: above zero, or not zero when ``signed``."""
    if isinstance(value, bool) or not isinstance(value, int):
        error = FieldError("invalid_integer", spec=POINTS)
    elif value == 0 or (value < 0 and not signed):
        error = FieldError("too_small", spec=POINTS, min=1)
    elif abs(value) > limit:
        error = FieldError("too_large", spec=POINTS, max=limit)
    else:
        return value
    raise ValidationFailed(_("The points could not be recorded."), errors=[error])


def reason_code(value: Any, allowed: tuple[str, ...]) -> str:
    """One of the reasons staff may give for this kind of entry."""
    if value not in allowed:
        error = FieldError("invalid_choice", spec=REASON, value=str(value)[:32])
        raise ValidationFailed(_("The points could not be recorded."), errors=[error])
    return str(value)


def has_control_characters(text: str) -> bool:
    """Whether text holds characters no one types (tab and line breaks are text)."""
    return CONTROL.search(text) is not None


def note_text(value: Any) -> str:
    """A note typed by staff (for the audit log): trimmed, at most 500 characters."""
    text = str(value or "").strip()
    if len(text) > 500:
        error = FieldError("too_long", spec=NOTE, max=500)
    elif has_control_characters(text):
        error = FieldError("control_characters", spec=NOTE)
    else:
        return text
    raise ValidationFailed(_("The points could not be recorded."), errors=[error])
