"""The export of a bulk action: the transfer app's export, over the action's selection."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language

from dossier.bulk.models import BulkAction
from dossier.bulk.selectors import selected_customers
from dossier.customers.selectors import CustomerFilters
from dossier.templates.core_fields import CORE_FIELDS
from dossier.templates.models import Template
from dossier.templates.selectors import get_version
from dossier.transfer.exporting import CHUNK, Export, ExportRequest


@dataclass
class SelectionExport(Export):
    """An export of the chosen customers (or all matching), masked as the exporter sees them;
    CSV, XLSX and JSON are written, neutralised and chunked by the transfer app's Export."""

    bulk: BulkAction | None = None

    def records(self) -> Iterator[dict[str, Any]]:
        assert self.bulk is not None
        queryset = selected_customers(self.bulk, "export").select_related("owner")
        after = None
        while True:
            page = queryset.order_by("id")
            if after is not None:
                page = page.filter(id__gt=after)
            chunk = list(page.prefetch_related("tags")[:CHUNK])
            yield from (self._record(customer) for customer in chunk)
            if len(chunk) < CHUNK:
                return
            after = chunk[-1].id


def selection_export(bulk: BulkAction) -> SelectionExport:
    """The export of an export bulk action (already audited when the action was recorded)."""
    key = (bulk.filters or {}).get("template", "")
    template = Template.objects.filter(key=key).first() if key else None
    if template is not None and template.current_version_id is not None:
        specs = get_version(template=template).specs()
    else:  # customers of several templates share only the core fields
        specs = list(CORE_FIELDS)
    request = ExportRequest(
        format=bulk.parameters.get("format", "csv"),
        filters=CustomerFilters(),
        language=get_language() or "zh-hans",
    )
    return SelectionExport(
        request=request, actor=bulk.actor, specs=specs, rows=bulk.total, bulk=bulk
    )
