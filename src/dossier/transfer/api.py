"""REST endpoint of the customer export (mounted at /api/v1/exports). Thin: parse, call, stream."""

from __future__ import annotations

from typing import Any, Literal

from django.http import StreamingHttpResponse
from django.utils.translation import get_language
from ninja import Query, Router

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS
from dossier.customers.selectors import CustomerFilters
from dossier.transfer.exporting import ExportRequest, prepare_export

router = Router(tags=["export"])
FILE_RESPONSE = {
    "responses": {
        200: {
            "description": "The customers as CSV, XLSX or JSON (X-Export-Rows: how many).",
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                    "schema": {"type": "string", "format": "binary"}
                },
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
        }
    }
}


@router.get("/customers", response=ERRORS, openapi_extra=FILE_RESPONSE)
def export_customers(
    request: ApiRequest,
    format: Literal["csv", "xlsx", "json"] = "csv",
    encoding: Literal["utf-8-sig", "gbk"] = "utf-8-sig",
    template: str = Query("", max_length=64),
    fields: str = Query("", max_length=2000, description="Field keys, comma-separated."),
    segment: int | None = Query(None, ge=1, description="Only this segment's members."),
) -> Any:
    """The customers you may export, masked as you see them, optionally of one template and
    only a segment's members (those in your reach). Roles that see aggregates only are
    refused (403). Every export is audited with its filters and row count."""
    wanted = ExportRequest(
        format=format,
        filters=CustomerFilters(template=template),
        fields=[f.strip() for f in fields.split(",") if f.strip()],
        encoding=encoding,
        language=get_language() or "zh-hans",
        segment_id=segment,
    )
    export = prepare_export(actor=request.user, request=wanted)
    response = StreamingHttpResponse(export.chunks(), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(export.rows)
    return response
