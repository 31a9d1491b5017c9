"""The export download: the customer list's filters, streamed as CSV, XLSX or JSON."""

from __future__ import annotations

from django.http import HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text
from dossier.customers.list_filters import filters_from_params
from dossier.customers.selectors import CustomerFilters
from dossier.transfer.exporting import ExportRequest, prepare_export, segment_param


def _filters(request: AuthenticatedRequest) -> CustomerFilters:
    # the very parameters the customer list page reads, so the download is what it shows
    return filters_from_params(request.GET)


@require_GET
def export_customers(request: AuthenticatedRequest) -> HttpResponseBase:
    """``?format=csv|xlsx|json&encoding=utf-8-sig|gbk&fields=a,b`` plus the list's filters;
    ``segment=<id>`` keeps only that segment's members."""
    fields = query_text(request, "fields", limit=2000)
    try:
        wanted = ExportRequest(
            format=query_text(request, "format") or "csv",
            filters=_filters(request),
            fields=[f.strip() for f in fields.split(",") if f.strip()],
            encoding=query_text(request, "encoding") or "utf-8-sig",
            language=get_language() or "zh-hans",
            segment_id=segment_param(query_text(request, "segment", limit=40)),
        )
        export = prepare_export(actor=request.user, request=wanted)
    except (NotFound, PermissionDenied, ValidationFailed) as error:
        # a bad option is the asker's mistake: 400, the page naming it
        status = 400 if isinstance(error, ValidationFailed) else error.status
        context = {"error": error, "nav": "customers"}
        return render(request, "transfer/error.html", context, status=status)
    response = StreamingHttpResponse(export.chunks(), content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Export-Rows"] = str(export.rows)
    return response
