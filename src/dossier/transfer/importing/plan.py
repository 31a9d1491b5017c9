"""What an import will do before it reads a row: its options and the column → field mapping.

A mapping names, for each header of the file, the template field its column fills (or
nothing). It is suggested from the template's saved mapping, the field keys, labels and
the synonyms, and whatever the user says wins. Mistakes in it (a header the file does not
have, a field the template does not have, two columns for one field, a required field
with no column) stop the run before it starts, each named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError, FieldSpec
from dossier.customers.services.profiles import current_version
from dossier.templates.models import Template
from dossier.transfer.models import SavedMapping
from dossier.transfer.reading import normalise_header, plan_mapping

MODES = ("create", "update", "upsert")
#: rows per batch: one transaction, one checkpoint
BATCH_ROWS = 1000


@dataclass(frozen=True)
class ImportOptions:
    """How to read the file and what to do with its rows."""

    mode: str = "upsert"
    #: fields that name an existing customer (identifying or unique), or ("id",)
    match_on: tuple[str, ...] = ()
    encoding: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    dry_run: bool = False
    batch_rows: int = BATCH_ROWS

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "match_on": list(self.match_on),
            "encoding": self.encoding,
            "sheet": self.sheet,
            "delimiter": self.delimiter,
            "dry_run": self.dry_run,
            "batch_rows": self.batch_rows,
        }

    def chosen(self, *, mode: str, match_on: Sequence[str]) -> ImportOptions:
        """These reading options with the mode and match-on fields a user chose (a draft)."""
        return ImportOptions(
            mode=mode,
            match_on=tuple(match_on),
            encoding=self.encoding,
            sheet=self.sheet,
            delimiter=self.delimiter,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ImportOptions:
        return cls(
            mode=data.get("mode", "upsert"),
            match_on=tuple(data.get("match_on") or ()),
            encoding=data.get("encoding"),
            sheet=data.get("sheet"),
            delimiter=data.get("delimiter"),
            dry_run=bool(data.get("dry_run")),
            batch_rows=int(data.get("batch_rows") or BATCH_ROWS),
        )


@dataclass
class ColumnPlan:
    """The file's columns as the import will read them."""

    headers: tuple[str, ...]
    #: one entry per column: the field key it fills, or None
    fields: list[str | None]
    specs: dict[str, FieldSpec] = field(default_factory=dict)
    #: the published version the rows are checked against, for the whole run
    version_id: int | None = None

    def header_of(self, key: str) -> str:
        for header, found in zip(self.headers, self.fields, strict=True):
            if found == key:
                return header
        return ""

    def as_mapping(self) -> dict[str, str | None]:
        mapping: dict[str, str | None] = {}
        for header, key in zip(self.headers, self.fields, strict=True):
            mapping.setdefault(header, key)
        return mapping


def default_match_on(mode: str, specs: Sequence[FieldSpec], mapped: set[str]) -> tuple[str, ...]:
    """Without ``--match-on``: the file's ``id`` column, else its unique and identifying fields."""
    if mode == "create":
        return ()
    if "id" in mapped:
        return ("id",)
    keys = [s.key for s in specs if s.unique and s.key in mapped]
    keys += [
        s.key for s in specs if s.type in _MATCH_TYPES and s.key in mapped and s.key not in keys
    ]
    return tuple(keys)


_MATCH_TYPES = ("phone", "email", "cn_id_card", "cn_credit_code")


def suggested_mapping(template: Template, headers: Sequence[str]) -> dict[str, str | None]:
    """{header: field key or None}: the template's saved mapping first, then the suggestions."""
    specs = template_specs(template)
    saved = SavedMapping.objects.filter(template=template).first()
    remembered = {normalise_header(h): k for h, k in (saved.mapping if saved else {}).items()}
    labels = {s.key: (s.label_zh, s.label_en) for s in specs.values()}
    plan = plan_mapping(headers, [*specs, "id"], labels=labels)
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for header, suggestion in zip(headers, plan.by_column, strict=True):
        if header in mapping:
            continue
        key = remembered.get(normalise_header(header), suggestion)
        if key is not None and (key in taken or (key not in specs and key != "id")):
            key = None
        if key is not None:
            taken.add(key)
        mapping[header] = key
    return mapping


def template_specs(template: Template) -> dict[str, FieldSpec]:
    """The fields of the template's published version (422 if it has none, or is archived)."""
    return {spec.key: spec for spec in current_version(template).specs()}


def plan_columns(
    *,
    template: Template,
    headers: Sequence[str],
    mapping: Mapping[str, str | None] | None,
    options: ImportOptions,
) -> ColumnPlan:
    """The column plan, or ValidationFailed naming every mistake in the mapping."""
    version = current_version(template)
    specs = {spec.key: spec for spec in version.specs()}
    wanted = dict(suggested_mapping(template, headers))
    errors: list[FieldError] = []
    known_headers = set(headers)
    for header, key in (mapping or {}).items():
        if header not in known_headers:
            errors.append(FieldError("unknown_column", field="mapping", label=header, value=header))
            continue
        key = (key or "").strip() or None
        if key is not None and key not in specs and key != "id":
            errors.append(FieldError("unknown_field", field="mapping", label=key))
            continue
        if key is not None:
            # the user's choice wins over a suggestion for another column
            for other, suggested in wanted.items():
                if suggested == key and other != header and other not in (mapping or {}):
                    wanted[other] = None
        wanted[header] = key
    fields: list[str | None] = []
    first_column: dict[str, str] = {}
    seen_headers: set[str] = set()
    for header in headers:
        key = wanted.get(header) if header not in seen_headers else None
        seen_headers.add(header)
        if key is not None and key in first_column:
            errors.append(
                FieldError(
                    "column_twice",
                    field="mapping",
                    label=key,
                    value=header,
                    other=first_column[key],
                )
            )
            key = None
        if key is not None:
            first_column[key] = header
        fields.append(key)
    mapped = set(first_column)
    if options.mode == "create":
        missing = [
            s for s in specs.values() if s.required and s.default is None and s.key not in mapped
        ]
        errors += [FieldError("required_column", spec=s) for s in missing]
    if options.mode not in MODES:
        errors.append(FieldError("invalid_choice", field="mode", label="mode", value=options.mode))
    if options.mode != "create":
        match_on = options.match_on or default_match_on(options.mode, list(specs.values()), mapped)
        if not match_on:
            errors.append(FieldError("no_match_column", field="match_on", label="match_on"))
        for key in match_on:
            if key not in mapped:
                errors.append(FieldError("match_column_missing", field="match_on", label=key))
    if errors:
        raise ValidationFailed(
            _("The import cannot start: the mapping has mistakes."), errors=errors
        )
    return ColumnPlan(tuple(headers), fields, specs, version.pk)
