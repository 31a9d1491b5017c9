"""The bulk sync's answer as ready JSON, shaped as ``BulkOut`` (its keys, in its order).

A call of 1,000 orders answers 1,000 results: validating them against the schema again on
the way out would cost more than building them. ``tests/test_api.py`` checks the answer
validates as ``BulkOut``.
"""

from __future__ import annotations

from typing import Any

from ninja.responses import NinjaJSONEncoder

from dossier.orders.services import SyncResult

CONTENT_TYPE = "application/json; charset=utf-8"
_ENCODER = NinjaJSONEncoder(ensure_ascii=False)


def bulk_json(result: SyncResult, language: str | None) -> str:
    """The answer of a bulk sync: counts, then one result per order at its index."""
    language = language or "en"
    results: list[dict[str, Any]] = [
        {
            "index": o.index,
            "source": o.source,
            "external_id": o.external_id,
            "result": o.result,
            "id": str(o.order_id) if o.order_id else None,
            "status": o.status,
            "errors": [
                {"field": err.field, "code": err.code, "message": err.message(language)}
                for err in o.errors
            ],
        }
        for o in result.outcomes
    ]
    return _ENCODER.encode(
        {
            "created": result.count("created"),
            "updated": result.count("updated"),
            "unchanged": result.count("unchanged"),
            "failed": result.count("error"),
            "results": results,
        }
    )
