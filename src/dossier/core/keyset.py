"""Page cursors of lists read newest first by (time, id): ``<microseconds since 1970>-<id>``.

Every string the documented pattern admits decodes to a real position, so a client that
follows the document is never refused; anything else is a validation error naming ``cursor``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from pydantic import WithJsonSchema

from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: 16 digits of microseconds reach the year 2286; 18 digits of id stay below 2**63
PATTERN = r"^([0-9]{1,16}-[0-9]{1,18})?$"
_CURSOR = re.compile(PATTERN)

#: the API type of such a cursor ("" for the first page)
TimeCursor = Annotated[str, WithJsonSchema({"type": "string", "pattern": PATTERN})]

Row = TypeVar("Row", bound=Model)


def encode_cursor(when: datetime, pk: int) -> str:
    """The cursor of the page that starts after the row at (when, pk)."""
    micros = (when - EPOCH) // timedelta(microseconds=1)
    return f"{max(micros, 0)}-{pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """(time, id) of a cursor; ValidationFailed naming ``cursor`` for anything else."""
    if not isinstance(cursor, str) or not cursor or not _CURSOR.fullmatch(cursor):
        raise ValidationFailed(
            _("The page cursor is not valid."),
            errors=[FieldError("pattern", field="cursor", label="cursor")],
        )
    micros, pk = cursor.split("-")
    return EPOCH + timedelta(microseconds=int(micros)), int(pk)


def page_after(
    rows: QuerySet[Row], cursor: str | None, *, time_field: str, limit: int
) -> tuple[list[Row], str | None]:
    """One page of ``rows`` newest first (by ``time_field``, then id) and the next cursor."""
    if cursor:
        when, pk = decode_cursor(cursor)
        rows = rows.filter(Q(**{f"{time_field}__lt": when}) | Q(**{time_field: when, "pk__lt": pk}))
    page = list(rows.order_by(f"-{time_field}", "-pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    last: Any = page[-1] if page else None
    next_cursor = encode_cursor(getattr(last, time_field), last.pk) if more and last else None
    return page, next_cursor
