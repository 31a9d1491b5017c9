"""From a table's rows to what the customer services take, with every row accounted for.

A row the file itself spoils (too few or too many cells, bytes not in its encoding) or that
repeats a key an earlier row of the file already has fails here, before any service sees it;
the rest go on as ``{field key: cell}`` with the spreadsheet's quirks cleaned off.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from dossier.core.fields import FieldError, FieldLabel, FieldSpec, validate_values
from dossier.core.fields.base import is_empty
from dossier.protection.disclosure import lookup_digest
from dossier.transfer.importing.plan import ColumnPlan, ImportOptions, default_match_on
from dossier.transfer.reading import BAD_BYTES, TOO_FEW, TOO_MANY, Row, clean_cell

ROW_LABEL = FieldLabel("row", "行", "Row")


class FileRow:
    """A data row on its way to the services, or a row that failed on the way.

    A row read in a worker process comes back as its line and its table row: its cells are
    cleaned again here only if something asks for them (a row that fails, or that goes the
    checked way), so plaintext values are not sent back from the worker for every row.
    """

    __slots__ = ("_cells", "_source", "_values", "errors", "line")

    def __init__(
        self,
        line: int,
        values: dict[str, Any] | None = None,
        cells: dict[str, Any] | None = None,
        errors: list[FieldError] | None = None,
        *,
        source: tuple[RowShape, Row] | None = None,
    ) -> None:
        self.line = line
        self._values = {} if values is None and source is None else values
        #: the cells as the file held them, by field key (the error file shows these)
        self._cells = {} if cells is None and source is None else cells
        self.errors: list[FieldError] = [] if errors is None else errors
        self._source = source

    @property
    def values(self) -> dict[str, Any]:
        if self._values is None:
            self._clean()
        assert self._values is not None
        return self._values

    @values.setter
    def values(self, values: dict[str, Any]) -> None:
        self._values = values

    @property
    def cells(self) -> dict[str, Any]:
        if self._cells is None:
            self._clean()
        assert self._cells is not None
        return self._cells

    @cells.setter
    def cells(self, cells: dict[str, Any]) -> None:
        self._cells = cells

    def _clean(self) -> None:
        assert self._source is not None
        shape, row = self._source
        self._values, self._cells = shape.cleaned(row.cells)

    def __repr__(self) -> str:
        return f"FileRow(line={self.line}, errors={self.errors!r})"


class FileKeys:
    """The key values seen so far in the file: a repeat fails, naming the first row.

    Values are compared as the validator normalises them (+86 139… and 139… are one phone),
    by a hash of their blind index, so plaintext is kept nowhere in memory for long.
    """

    def __init__(self, specs: Sequence[FieldSpec], *, by_id: bool) -> None:
        self.specs = list(specs)
        self.by_id = by_id
        self._seen: dict[int, int] = {}

    def check(self, row: FileRow) -> None:
        """Add the row's keys; a key already seen becomes the row's error."""
        digests = {}
        for spec in self.specs:
            value = row.values.get(spec.key)
            if is_empty(value):
                continue
            checked = validate_values({spec.key: value}, [spec], apply_defaults=False)
            if checked.ok and not is_empty(checked.clean.get(spec.key)):
                digests[spec.key] = lookup_digest(spec.type, checked.clean[spec.key])
        self.check_digests(row, digests)

    def check_digests(self, row: FileRow, digests: dict[str, str]) -> None:
        """As :meth:`check`, with the row's blind indexes already computed (field → digest)."""
        keys: list[tuple[int, FieldSpec | FieldLabel]] = []
        if self.by_id and not is_empty(row.values.get("id")):
            keys.append((hash(("id", str(row.values["id"]).strip().lower())), _ID))
        for spec in self.specs:
            if spec.key in digests:
                keys.append((hash((spec.key, digests[spec.key])), spec))
        repeated = [
            FieldError("duplicate_in_file", spec=spec, first_row=self._seen[key])
            for key, spec in keys
            if key in self._seen
        ]
        if repeated:
            row.errors += repeated
            return  # a failed row claims no key: the first row keeps it
        for key, _spec in keys:
            self._seen[key] = row.line


_ID = FieldLabel("id", "客户编号", "Customer id")


def spoiled_row_error(row: Row, width: int, encoding: str | None) -> FieldError:
    """Why the file spoils a row: too few or too many cells, or bytes not in its encoding."""
    if row.problem == BAD_BYTES:
        return FieldError("bad_bytes", spec=ROW_LABEL, encoding=encoding or "UTF-8")
    code = {TOO_FEW: "too_few_cells", TOO_MANY: "too_many_cells"}[str(row.problem)]
    return FieldError(code, spec=ROW_LABEL, count=len(row.cells), width=width)


def file_keys(plan: ColumnPlan, options: ImportOptions) -> tuple[tuple[str, ...], FileKeys]:
    """The fields rows are matched on, and the tracker of keys repeated in the file
    (those fields and every unique field the file fills)."""
    mapped = {key for key in plan.fields if key is not None}
    match_on = options.match_on or default_match_on(options.mode, list(plan.specs.values()), mapped)
    keys = FileKeys(
        [s for s in plan.specs.values() if s.key in match_on or (s.unique and s.key in mapped)],
        by_id="id" in mapped,
    )
    return match_on, keys


@dataclass(frozen=True)
class RowShape:
    """What turning a table's rows into :class:`FileRow` needs: small, sent to workers."""

    width: int
    columns: tuple[tuple[int, str, str], ...]  # (cell index, field key, field type)
    encoding: str | None

    def file_rows(self, rows: Iterable[Row], *, lazy: bool = False) -> Iterator[FileRow]:
        """Each data row as a :class:`FileRow`; blank cells are left out (they change nothing).

        ``lazy``: a row's cells are cleaned when first asked for (see :class:`FileRow`)."""
        for row in rows:
            if row.problem is not None:
                item = FileRow(row.number)
                item.errors.append(spoiled_row_error(row, self.width, self.encoding))
            elif lazy:
                item = FileRow(row.number, source=(self, row))
            else:
                values, cells = self.cleaned(row.cells)
                item = FileRow(row.number, values, cells)
            yield item

    def cleaned(self, cells: Sequence[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """A row's values (cleaned of the spreadsheet's quirks) and cells, by field key."""
        values, shown = {}, {}
        for index, key, field_type in self.columns:
            cell = cells[index] if index < len(cells) else None
            if is_empty(cell):
                continue
            shown[key] = cell
            values[key] = clean_cell(cell, field_type)
        return values, shown


def row_shape(plan: ColumnPlan, *, encoding: str | None) -> RowShape:
    """The :class:`RowShape` of a table read with ``plan``."""
    columns = tuple(
        (index, key, plan.specs[key].type if key in plan.specs else "text")
        for index, key in enumerate(plan.fields)
        if key is not None
    )
    return RowShape(len(plan.headers), columns, encoding)


def file_rows(rows: Iterable[Row], plan: ColumnPlan, *, encoding: str | None) -> Iterator[FileRow]:
    """Each data row as a :class:`FileRow`; blank cells are left out (they change nothing)."""
    return row_shape(plan, encoding=encoding).file_rows(rows)
