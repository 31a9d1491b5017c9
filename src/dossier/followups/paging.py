"""Page cursors over rows ordered by a time and their id (tasks by due time, tickets by SLA)."""

from __future__ import annotations

import base64
from datetime import datetime

from django.utils.translation import gettext as _

from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError


def encode_cursor(moment: datetime, pk: int) -> str:
    """The cursor of the row after which the next page starts."""
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (time, id) a cursor names; a mangled one is a validation error on ``cursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, pk = raw.rsplit("|", 1)
        moment = datetime.fromisoformat(when)
        if moment.tzinfo is None:
            raise ValueError("a cursor's time carries its zone")
        return moment, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            _("The page cursor is not valid."),
            errors=[FieldError("pattern", field="cursor", label="cursor")],
        ) from exc
