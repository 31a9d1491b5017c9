"""Page cursors over rows ordered by a time and their id (tasks by due time, tickets by SLA).

A cursor is ``<microseconds since 1970>.<id>`` of the last row of a page. Every string the
pattern allows is a position (one far outside the data gives an empty page), so a client
that follows the API document is never refused for a cursor it made up.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils.translation import gettext as _

from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError

#: what a cursor looks like (empty: the first page)
CURSOR_PATTERN = r"^(-?\d{1,17}\.\d{1,19})?$"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_LARGEST_ID = 2**63 - 1


def encode_cursor(moment: datetime, pk: int) -> str:
    """The cursor of the row after which the next page starts."""
    return f"{(moment - _EPOCH) // _MICROSECOND}.{pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (time, id) a cursor names; one that is not a cursor is a 422 on ``cursor``."""
    micros, dot, pk = cursor.partition(".")
    digits = micros.removeprefix("-")
    if not (dot and digits.isdecimal() and pk.isdecimal() and digits.isascii() and pk.isascii()):
        raise ValidationFailed(
            _("The page cursor is not valid."),
            errors=[FieldError("pattern", field="cursor", label="cursor")],
        )
    try:
        moment = _EPOCH + int(micros) * _MICROSECOND
    except OverflowError:  # beyond what a datetime holds: before or after every row
        moment = (
            datetime.min.replace(tzinfo=UTC)
            if micros.startswith("-")
            else datetime.max.replace(tzinfo=UTC)
        )
    return moment, min(int(pk), _LARGEST_ID)
