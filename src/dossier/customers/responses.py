"""Ready JSON answers for the hottest reads, equal to what ninja's validated response gives.

An operation that returns an ``HttpResponse`` skips ninja's validation of the result against
its declared schema (the schema stays declared, for the OpenAPI document). The JSON here is
what ``CustomerOut`` validation followed by ninja's renderer gives: the schema's keys in the
schema's order, encoded by ninja's own encoder (so datetimes read the same, UTC as ``Z``).
``tests/test_api_fast_json.py`` compares the two byte for byte.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder

from dossier.customers.schemas import CustomerOut, TagOut

CONTENT_TYPE = "application/json; charset=utf-8"  # ninja's JSONRenderer's
_CUSTOMER_KEYS = tuple(CustomerOut.model_fields)
_TAG_KEYS = tuple(TagOut.model_fields)
# what json.dumps(data, cls=NinjaJSONEncoder) builds on every call, built once
_ENCODER = NinjaJSONEncoder()


def customer_json(data: dict[str, Any]) -> str:
    """``selectors.present`` output as the JSON a ``CustomerOut`` response renders to."""
    shaped = {key: data[key] for key in _CUSTOMER_KEYS}
    shaped["tags"] = [{key: tag[key] for key in _TAG_KEYS} for tag in data["tags"]]
    return _ENCODER.encode(shaped)


def customer_response(data: dict[str, Any]) -> HttpResponse:
    return HttpResponse(customer_json(data), content_type=CONTENT_TYPE)
