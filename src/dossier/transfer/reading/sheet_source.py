"""XLSX, XLS and ODS through python-calamine (a Rust reader, many times openpyxl's speed).

calamine holds one sheet's cells in memory while it is read; CSV is the constant-memory
path for the largest files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import python_calamine

from dossier.transfer.reading.refusals import FileRefused
from dossier.transfer.reading.table import Cell


def open_sheet(
    path: Path, *, sheet: str | int | None
) -> tuple[Iterator[tuple[int, list[Cell], str | None]], str, tuple[str, ...], object]:
    """Raw rows of one sheet (the first unless named or numbered), its name, all names."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as error:  # calamine raises several types, all "cannot read"
        raise FileRefused("unreadable_spreadsheet", detail=_short(error)) from None
    names = tuple(workbook.sheet_names)
    name = _pick(names, sheet)
    try:
        grid = workbook.get_sheet_by_name(name)
        first_row = grid.start[0] + 1 if grid.start else 1
        rows = grid.iter_rows()
    except Exception as error:
        workbook.close()
        raise FileRefused("unreadable_spreadsheet", detail=_short(error)) from None
    return _rows(rows, first_row), name, names, workbook.close


def _pick(names: tuple[str, ...], sheet: str | int | None) -> str:
    if not names:
        raise FileRefused("unknown_sheet", sheet="1", sheets="")
    if sheet is None:
        return names[0]
    if sheet in names:
        return str(sheet)
    # a number names the sheet by position, 1-based as people count tabs
    text = str(sheet).strip()
    if text.isdigit() and 1 <= int(text) <= len(names):
        return names[int(text) - 1]
    raise FileRefused("unknown_sheet", sheet=text, sheets="、".join(names))


def _rows(rows: Iterator[list[Cell]], first: int) -> Iterator[tuple[int, list[Cell], str | None]]:
    for number, cells in enumerate(rows, start=first):
        yield number, [_cell(cell) for cell in cells], None


def _cell(cell: Cell) -> Cell:
    # Excel stores every number as a float: a phone 13800138000 arrives as 13800138000.0
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 2**53:
        return int(cell)
    return cell


def _short(error: Exception) -> str:
    return (str(error).splitlines() or [type(error).__name__])[0][:200]
