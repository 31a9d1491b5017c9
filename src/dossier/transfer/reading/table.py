"""A table read from a file: the header, then data rows with every line accounted for.

Sources (CSV, spreadsheets) give raw ``(number, cells, problem)`` triples; :class:`Table` finds the
header and turns the rest into :class:`Row` objects, counting what it skips.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

#: a cell as a source gives it: text from CSV; text, int, float, bool, date, datetime,
#: time or timedelta from a spreadsheet
Cell = Any

TOO_FEW = "too_few_cells"
TOO_MANY = "too_many_cells"
BAD_BYTES = "bad_bytes"


class Row(NamedTuple):
    """One data row: its 1-based line (CSV) or row (spreadsheet) number in the file.

    ``cells`` is exactly what the file holds, never padded or cut: a ragged row keeps its
    own length and says so in ``problem`` (``too_few_cells`` / ``too_many_cells``);
    ``bad_bytes`` marks a CSV line that is not in the file's encoding (shown with U+FFFD).
    A named tuple, as a million of them are made per import.
    """

    number: int
    cells: tuple[Cell, ...]
    problem: str | None = None

    def as_dict(self, headers: tuple[str, ...]) -> dict[str, Cell]:
        """Cells by header name; only meaningful when ``problem`` is None."""
        return dict(zip(headers, self.cells, strict=False))


@dataclass(frozen=True, slots=True)
class HeaderProblem:
    """A header cell that cannot name its column alone: ``blank`` or ``duplicate``."""

    column: int  # 1-based
    name: str
    code: str
    first_column: int | None = None  # for a duplicate: where the name first appears


@dataclass(slots=True)
class Counts:
    """What the reading skipped or flagged so far (final once the rows are consumed)."""

    data_rows: int = 0
    blank_lines: int = 0
    repeated_headers: list[int] = field(default_factory=list)  # their line numbers
    ragged_rows: int = 0
    bad_byte_rows: int = 0


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _header_text(cell: Cell) -> str:
    return "" if cell is None else str(cell).strip()


class Table:
    """Headers plus a one-pass stream of data rows; iterate once.

    ``counts`` fills while iterating. Trailing blank header cells are dropped; extra
    non-blank cells past the last header make a row ``too_many_cells``; trailing blank
    ones (a CSV line ending in commas, an Excel row with formatting) do not.
    """

    def __init__(
        self,
        raw_rows: Iterable[tuple[int, list[Cell], str | None]],
        *,
        source: str,
        encoding: str | None = None,
        delimiter: str | None = None,
        sheet: str | None = None,
        sheets: tuple[str, ...] = (),
        on_close: Any = None,
    ) -> None:
        from dossier.transfer.reading.refusals import FileRefused

        self.source = source  # "csv", "xlsx", "xls", "ods"
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheet = sheet
        self.sheets = sheets
        self.counts = Counts()
        self._on_close = on_close
        self._raw = iter(raw_rows)
        for number, cells, _problem in self._raw:
            if all(is_blank(cell) for cell in cells):
                self.counts.blank_lines += 1
                continue
            self.header_number = number
            names = [_header_text(cell) for cell in cells]
            while names and not names[-1]:
                names.pop()
            self.headers: tuple[str, ...] = tuple(names)
            break
        else:
            self.close()
            raise FileRefused("no_header")
        self.header_problems = _header_problems(self.headers)
        self._consumed = False

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def __iter__(self) -> Iterator[Row]:
        if self._consumed:
            raise RuntimeError("a Table streams its rows once")
        self._consumed = True
        width = len(self.headers)
        header_key = tuple(name.casefold() for name in self.headers)
        first_header = header_key[0]
        counts = self.counts
        for number, cells, problem in self._raw:
            length = len(cells)
            while length > width and is_blank(cells[length - 1]):
                length -= 1
            first = cells[0] if length else None
            if isinstance(first, str):
                first = first.strip()
                if not first and all(is_blank(cell) for cell in cells[:length]):
                    counts.blank_lines += 1
                    continue
                if (
                    length == width
                    and first.casefold() == first_header
                    and _same_header(cells, header_key)
                ):
                    counts.repeated_headers.append(number)
                    continue
            elif first is None and all(is_blank(cell) for cell in cells[:length]):
                counts.blank_lines += 1
                continue
            counts.data_rows += 1
            if length != len(cells):
                cells = cells[:length]
            if problem is None and length != width:
                problem = TOO_FEW if length < width else TOO_MANY
            if problem is not None:
                if problem == BAD_BYTES:
                    counts.bad_byte_rows += 1
                else:
                    counts.ragged_rows += 1
            yield Row(number, tuple(cells), problem)
        self.close()


def _same_header(cells: list[Cell], header_key: tuple[str, ...]) -> bool:
    return tuple(_header_text(cell).casefold() for cell in cells) == header_key


def _header_problems(headers: tuple[str, ...]) -> list[HeaderProblem]:
    problems = []
    seen: dict[str, int] = {}
    for column, name in enumerate(headers, start=1):
        if not name:
            problems.append(HeaderProblem(column, name, "blank"))
            continue
        key = name.casefold()
        if key in seen:
            problems.append(HeaderProblem(column, name, "duplicate", seen[key]))
        else:
            seen[key] = column
    return problems
