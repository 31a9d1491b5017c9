"""The error shape every API endpoint answers a 4xx with (see ``dossier.api``'s handlers)."""

from __future__ import annotations

from typing import Any

from ninja import Schema


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
ERRORS: dict[int, Any] = {status: ErrorOut for status in (400, 401, 403, 404, 409, 422)}
