"""What every API schema shares: the 4xx error shape and the constrained types of inputs.

The types here make the OpenAPI document say what the services accept (an enum, a date
written as a date, text without control characters), so a client that follows the document
is not refused. The services stay the place where the rules are decided and explained.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError, core_schema


class ErrorDetail(Schema):
    field: str
    code: str
    message: str
    row: int | None = None


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[ErrorDetail]


#: the error answers an endpoint documents, all with the shape of :class:`ErrorOut`
ERRORS: dict[int, Any] = {status: ErrorOut for status in (400, 401, 403, 404, 409, 413, 422)}

#: the most items a list in a request may hold (tag ids, field keys …)
MAX_ITEMS = 100
#: the most fields a template may define, and so the most values a customer may be sent with
MAX_FIELDS = 200


def documented(**rules: Any) -> dict[str, Any]:
    """JSON Schema ``rules`` for ``Field(json_schema_extra=…)``: in the document, unchecked here.

    For rules a service already checks: the service stays the one place that decides, and
    its refusal names the field in the caller's language (a pydantic refusal would not).
    """
    return rules


@dataclass(frozen=True)
class OneOf:
    """``Annotated[str, OneOf(values)]``: the document lists ``values`` as the field's enum.

    By default only documented, for choices a service checks (with its own message);
    ``checked=True`` also refuses other values with a 422 here, for filters no service
    checks (an unknown status would otherwise just find nothing).
    """

    values: tuple[str, ...]
    checked: bool

    def __init__(self, values: Iterable[str], *, checked: bool = False) -> None:
        object.__setattr__(self, "values", tuple(str(v) for v in values))
        object.__setattr__(self, "checked", checked)

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema = handler(source)
        if not self.checked:
            return schema
        return core_schema.no_info_after_validator_function(self._check, schema)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        json_schema = dict(handler(schema))
        json_schema["enum"] = list(self.values)
        return json_schema

    def _check(self, value: str) -> str:
        if value not in self.values:
            raise PydanticCustomError(
                "enum",
                "Input should be one of: {expected}",
                {"expected": ", ".join(repr(v) for v in self.values)},
            )
        return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_as_a_date(value: Any) -> Any:
    # pydantic would also read 0 or "1700000000" as a Unix time: the document promises YYYY-MM-DD
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "Input should be a date written as YYYY-MM-DD")
    return value


def not_a_boolean(value: Any) -> Any:
    """For a number field's before-validator: JSON's true is no number (pydantic would read it
    as 1), while 3.0 is an integer to JSON Schema and stays accepted."""
    if isinstance(value, bool):
        raise PydanticCustomError("int_type", "Input should be a whole number, not true or false")
    return value


#: the id of a stored row: a 64-bit integer above zero (larger ones overflowed SQLite into a 500)
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]

#: a date parameter written as YYYY-MM-DD, nothing else
IsoDate = Annotated[date, BeforeValidator(_written_as_a_date)]


def _written_as_a_time(value: Any) -> Any:
    # pydantic would read a number as a Unix time: the document promises ISO 8601 text
    if isinstance(value, datetime | str):
        return value
    raise PydanticCustomError("datetime_format", "Input should be a time written in ISO 8601")


def _in_utc(value: datetime) -> datetime:
    # an offset such as -19:48 is valid ISO 8601 but beyond what PostgreSQL stores: the
    # instant is kept, in UTC
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_range", "Input should be a time within years 1-9999"
        ) from None


#: a date and time written in ISO 8601 (never a number), aware ones in UTC
IsoDateTime = Annotated[datetime, BeforeValidator(_written_as_a_time), AfterValidator(_in_utc)]

#: an id (a page cursor, say), or empty for none; the services read and check it
UuidOrEmpty = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "anyOf": [{"format": "uuid"}, {"maxLength": 0}]},
    ),
]

# Text the text field type accepts: no control characters but tab and line breaks (the same
# set as its check). ``FILLED`` also needs one character that is not white space (the
# services trim, and then find nothing); ``NOT_BLANK`` only that.
_CONTROL = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
TEXT = rf"^[^{_CONTROL}]*$"
# U+0085 (NEL) is white space to Python's strip, not to a JSON Schema (ECMAScript) \s
FILLED = rf"^[^{_CONTROL}]*[^\s\x85{_CONTROL}][^{_CONTROL}]*$"
NOT_BLANK = r"\S"
