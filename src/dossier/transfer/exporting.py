"""Export of the customer list: CSV, XLSX or JSON, streamed in chunks, masked for the actor.

Rows come from ``customers.selectors.customer_queryset`` (the list page's and the API's own
filtered, access-restricted queryset) and each is shaped by ``present``, so an export shows
exactly what the exporter would see on the page: nothing more, masked the same way.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldSpec
from dossier.customers.access import may
from dossier.customers.models import Customer, Tag
from dossier.customers.selectors import CustomerFilters, customer_queryset, present
from dossier.insights.compiler import Moment
from dossier.insights.selectors import in_segment, now_moment
from dossier.templates.core_fields import CORE_FIELDS
from dossier.templates.models import Template
from dossier.templates.selectors import get_version

FORMATS = ("csv", "xlsx", "json")
ENCODINGS = ("utf-8-sig", "gbk")
#: customers read per query (keyset by id): memory stays flat however many rows there are
CHUNK = 2000
#: a spreadsheet runs a cell that starts with one of these as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
LEADING = [("id", gettext_lazy("ID")), ("template", gettext_lazy("Template"))]
TRAILING = [
    ("tags", gettext_lazy("Tags")),
    ("owner", gettext_lazy("Owner")),
    ("created_at", gettext_lazy("Created")),
    ("updated_at", gettext_lazy("Updated")),
]


def neutralise(text: str) -> str:
    """``text`` made inert for a spreadsheet: a leading formula character gets a ``'``."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def cell_text(value: Any) -> str:
    """A value as the text of one cell (lists joined, objects as JSON)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "; ".join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


@dataclass
class ExportRequest:
    """What to export: a format, the list's filters, some fields (all when empty)."""

    format: str = "csv"
    filters: CustomerFilters = field(default_factory=CustomerFilters)
    fields: Sequence[str] = ()
    encoding: str = "utf-8-sig"
    language: str = "zh-hans"
    #: only the members of this segment (as the exporter may see them), when given
    segment_id: int | None = None


@dataclass
class Export:
    """A prepared export: its columns, how many rows, and its body as chunks of bytes."""

    request: ExportRequest
    actor: MaybeActor
    specs: list[FieldSpec]
    rows: int
    #: the moment a segment's time-relative rules are read at (the count's and the rows')
    moment: Moment | None = None

    @property
    def content_type(self) -> str:
        kind = CONTENT_TYPES[self.request.format]
        return f"{kind}; charset={self.request.encoding}" if kind == "text/csv" else kind

    @property
    def filename(self) -> str:
        segment = f"-segment-{self.request.segment_id}" if self.request.segment_id else ""
        return f"customers{segment}.{self.request.format}"

    def header(self) -> list[str]:
        language = self.request.language
        return (
            [str(label) for _key, label in LEADING]
            + [spec.label(language) for spec in self.specs]
            + [str(label) for _key, label in TRAILING]
        )

    def keys(self) -> list[str]:
        return [k for k, _l in LEADING] + [s.key for s in self.specs] + [k for k, _l in TRAILING]

    def records(self) -> Iterator[dict[str, Any]]:
        """Every row, masked for the actor, in id order, read ``CHUNK`` customers at a time."""
        queryset = exported_customers(self.actor, self.request, self.moment).select_related("owner")
        after = None
        while True:
            page = queryset.order_by("id")
            if after is not None:
                page = page.filter(id__gt=after)
            chunk = list(page.prefetch_related("tags")[:CHUNK])
            for customer in chunk:
                yield self._record(customer)
            if len(chunk) < CHUNK:
                return
            after = chunk[-1].id

    def _record(self, customer: Customer) -> dict[str, Any]:
        item = present(customer, self.actor)
        record: dict[str, Any] = {"id": item["id"], "template": item["template"]}
        for spec in self.specs:
            record[spec.key] = item["values"].get(spec.key)
        record["tags"] = [t["name"] for t in item["tags"]]
        record["owner"] = item["owner"]
        record["created_at"] = item["created_at"].isoformat()
        record["updated_at"] = item["updated_at"].isoformat()
        return record

    def cells(self, record: dict[str, Any]) -> list[str]:
        return [neutralise(cell_text(record[key])) for key in self.keys()]

    def chunks(self) -> Iterator[bytes]:
        """The body, piece by piece (for a streamed download or a file)."""
        writer = {"csv": self._csv, "json": self._json, "xlsx": self._xlsx}
        yield from writer[self.request.format]()

    def write(self, out: Callable[[bytes], Any]) -> None:
        for piece in self.chunks():
            out(piece)

    def _encode(self, text: str, record: dict[str, Any] | None) -> bytes:
        # the byte-order mark is written once, at the start, not before every piece
        codec = "utf-8" if self.request.encoding == "utf-8-sig" else self.request.encoding
        try:
            return text.encode(codec)
        except UnicodeEncodeError:
            raise self._unencodable(record) from None

    def _unencodable(self, record: dict[str, Any] | None) -> ValidationFailed:
        # name the first cell the encoding cannot hold: the row's id and the field
        names = dict(zip(self.keys(), self.header(), strict=True))
        values = record or dict(zip(self.keys(), self.header(), strict=True))
        for key in self.keys():
            try:
                cell_text(values[key]).encode(self.request.encoding)
            except UnicodeEncodeError:
                row = values.get("id", "") if record else _("header")
                return ValidationFailed(
                    _(
                        "Row %(row)s, field “%(field)s”: %(encoding)s cannot hold this text; "
                        "export in UTF-8 instead."
                    )
                    % {"row": row, "field": names[key], "encoding": self.request.encoding.upper()},
                    code="unencodable",
                    errors=[FieldError("unencodable", field=key, label=names[key])],
                )
        return ValidationFailed(_("The export cannot be encoded."), code="unencodable")

    def _csv(self) -> Iterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)

        def take(record: dict[str, Any] | None) -> bytes:
            text = buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            return self._encode(text, record)

        writer.writerow(self.header())
        bom = b"\xef\xbb\xbf" if self.request.encoding == "utf-8-sig" else b""
        pieces, size = [bom + take(None)], 0
        for record in self.records():
            writer.writerow(self.cells(record))
            pieces.append(take(record))
            size += len(pieces[-1])
            if size >= 64 * 1024:  # hand over in pieces of some 64 KB
                yield b"".join(pieces)
                pieces, size = [], 0
        yield b"".join(pieces)

    def _json(self) -> Iterator[bytes]:
        # a JSON array of objects keyed by field key, written one object at a time
        # (cells are not neutralised: JSON is read by programs, not run by a spreadsheet)
        pieces, size = [b"["], 0
        for number, record in enumerate(self.records()):
            text = json.dumps(record, ensure_ascii=False)
            pieces.append((b",\n" if number else b"\n") + text.encode())
            size += len(pieces[-1])
            if size >= 64 * 1024:
                yield b"".join(pieces)
                pieces, size = [], 0
        pieces.append(b"\n]\n")
        yield b"".join(pieces)

    def _xlsx(self) -> Iterator[bytes]:
        # write-only workbooks keep rows in a temporary file, not in memory
        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Customers"))
        sheet.append(self.header())
        for record in self.records():
            sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in self.cells(record)])
        handle, path = tempfile.mkstemp(suffix=".xlsx")
        os.close(handle)
        try:
            book.save(path)
            with open(path, "rb") as saved:
                while piece := saved.read(64 * 1024):
                    yield piece
        finally:
            os.unlink(path)


def _check(request: ExportRequest) -> list[FieldSpec]:
    """The field specs to export, or ValidationFailed naming the bad option."""
    if request.format not in FORMATS:
        raise _bad("format", request.format, _("Format"))
    if request.encoding not in ENCODINGS:
        raise _bad("encoding", request.encoding, _("Encoding"))
    filters = request.filters
    if filters.tag and not (
        filters.tag.isdecimal() or Tag.objects.filter(name=filters.tag).exists()
    ):
        raise _bad("tag", filters.tag, _("Tag"))
    if filters.template:
        template = Template.objects.filter(key=filters.template).first()
        if template is None or template.current_version_id is None:
            raise _bad("template", filters.template, _("Template"))
        specs = get_version(template=template).specs()
    else:
        # customers of several templates share only the core fields
        specs = list(CORE_FIELDS)
    if not request.fields:
        return specs
    by_key = {spec.key: spec for spec in specs}
    unknown = [key for key in request.fields if key not in by_key]
    if unknown:
        raise ValidationFailed(
            _("No field “%(field)s” in this export (fields: %(known)s).")
            % {"field": unknown[0], "known": ", ".join(by_key)},
            errors=[FieldError("unknown_field", field="fields", label=key) for key in unknown],
        )
    return [by_key[key] for key in request.fields]


def _bad(name: str, value: str, label: str) -> ValidationFailed:
    return ValidationFailed(
        _("%(label)s: no such value “%(value)s”.") % {"label": label, "value": value},
        errors=[FieldError("choice", field=name, label=label)],
    )


def segment_param(text: str) -> int | None:
    """The segment id of an export's ``segment`` parameter; None when not given. Anything
    else is refused: a mistyped id must not export every customer instead of a segment."""
    if not text:
        return None
    if text.isdecimal() and text.isascii() and len(text) <= 18:
        return int(text)
    raise _bad("segment", text[:40], _("Segment"))


def exported_customers(
    actor: MaybeActor, request: ExportRequest, moment: Moment | None
) -> QuerySet[Customer]:
    """The customers the export holds: the list's filters over what the actor may export,
    narrowed to a segment's members when one is named."""
    queryset = customer_queryset(actor=actor, filters=request.filters, action="export")
    if request.segment_id is None:
        return queryset
    return in_segment(
        queryset, actor=actor, segment_id=request.segment_id, moment=moment or now_moment()
    )


def prepare_export(*, actor: MaybeActor, request: ExportRequest) -> Export:
    """Check the request and the actor's right to export, count the rows, audit the export.

    Audited before the first byte leaves (with the count of rows then), so an interrupted
    download is on the record too. The event holds filters, fields and format, never data.
    """
    if not may(actor, "customers.export_customer"):
        raise PermissionDenied(_("You may not export customers."))
    specs = _check(request)
    moment = now_moment()
    queryset = exported_customers(actor, request, moment)
    with transaction.atomic():
        rows = queryset.count()
        filters = {k: v for k, v in vars(request.filters).items() if v}
        if request.segment_id is not None:
            filters["segment"] = request.segment_id
        record_audit(
            actor=actor,
            action="export",
            object_type="customer",
            changes={
                "rows": rows,
                "filters": filters,
                "format": request.format,
                "encoding": request.encoding if request.format == "csv" else "",
                "fields": [spec.key for spec in specs],
            },
        )
    return Export(request=request, actor=actor, specs=specs, rows=rows, moment=moment)
