"""Order bodies read straight into plain dicts, checked for their JSON shape by pydantic.

ninja's ``Schema`` validates each nested object through a wrapper built for Django models:
for a bulk call of 1,000 orders and their lines that alone took over 100 ms. A pydantic
``TypeAdapter`` over ``TypedDict`` shapes checks the same JSON types in a few milliseconds and
hands the services the dicts they read. The operations declare the body's JSON Schema with
``openapi_extra``, generated from the same shapes, so the document still tells the truth.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.errors import ValidationError as RequestInvalid
from pydantic import TypeAdapter
from pydantic import ValidationError as ShapeError

from dossier.orders.schemas import BulkBody, OrderBody

ORDER = TypeAdapter(OrderBody)
BULK = TypeAdapter(BulkBody)


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """The schema with every ``#/$defs/…`` reference replaced by its definition."""
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def request_body(adapter: TypeAdapter[Any], description: str = "") -> dict[str, Any]:
    """``openapi_extra`` declaring the operation's JSON body by the adapter's shape."""
    schema = adapter.json_schema()
    inlined = _inline(schema, schema.get("$defs", {}))
    body: dict[str, Any] = {
        "required": True,
        "content": {"application/json": {"schema": inlined}},
    }
    if description:
        body["description"] = description
    return {"requestBody": body}


def read_body(request: HttpRequest, adapter: TypeAdapter[Any]) -> Any:
    """The request's JSON body, checked against the shape; refused as the API refuses any body.

    Not JSON: 400. Not an object, or a value of the wrong JSON type: 422 naming where.
    Parsed and checked in one pass by pydantic's own parser (a thousand orders: a few
    milliseconds, where ``json.loads`` and then the check took four times as long); what its
    parser refuses is read again by ``json.loads``, which decides as before (it takes a lone
    surrogate escape, for one).
    """
    try:
        return adapter.validate_json(request.body)
    except ShapeError as refused:
        if not any(err["type"] == "json_invalid" for err in refused.errors(include_url=False)):
            raise _invalid(refused) from None
    try:
        data = json.loads(request.body)
    except (ValueError, RecursionError):  # nested thousands deep: not a body we take
        raise HttpError(400, _("The request body is not valid JSON.")) from None
    try:
        return adapter.validate_python(data)
    except ShapeError as refused:
        raise _invalid(refused) from None


def _invalid(refused: ShapeError) -> RequestInvalid:
    """The API's 422 for a body of the wrong shape, naming where."""
    errors = refused.errors(include_url=False)
    if any(not err["loc"] for err in errors):  # the body itself: an array, a number …
        return RequestInvalid(
            [{"loc": ("body", "body"), "type": "type", "msg": _("The body must be an object.")}]
        )
    return RequestInvalid(
        [
            {"loc": ("body", "payload", *err["loc"]), "type": err["type"], "msg": err["msg"]}
            for err in errors
        ]
    )
