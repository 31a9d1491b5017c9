"""open_table: any supported file as a :class:`~dossier.transfer.reading.table.Table`."""

from __future__ import annotations

import os
from pathlib import Path

from dossier.transfer.reading.csv_source import open_csv
from dossier.transfer.reading.refusals import FileRefused
from dossier.transfer.reading.sheet_source import open_sheet
from dossier.transfer.reading.table import Table

TEXT_SUFFIXES = {".csv", ".txt", ".tsv", ""}
SHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
_ZIP = b"PK\x03\x04"  # xlsx and ods are zip files
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # xls


def open_table(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    sheet: str | int | None = None,
    delimiter: str | None = None,
) -> Table:
    """Open a CSV/TXT/TSV, XLSX, XLS or ODS file; raise :class:`FileRefused` if it can't be.

    The kind comes from the file's first bytes where they tell (an .xlsx renamed .csv
    still reads), else from its suffix. ``encoding`` and ``delimiter`` override what CSV
    detection would pick; ``sheet`` is a sheet name or a 1-based position. Use the table
    as a context manager or iterate it to the end, so the file is closed.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as probe:
            head = probe.read(8)
    except FileNotFoundError:
        raise FileRefused("missing_file", path=path.name) from None
    if size == 0:
        raise FileRefused("empty_file")
    suffix = path.suffix.lower()
    if head.startswith(_ZIP) or head.startswith(_OLE):
        kind = suffix.lstrip(".") if suffix in SHEET_SUFFIXES else "spreadsheet"
        return _sheet_table(path, kind, sheet)
    if suffix in SHEET_SUFFIXES:
        # a spreadsheet suffix on a file that is none: let calamine say what it sees
        return _sheet_table(path, suffix.lstrip("."), sheet)
    if suffix not in TEXT_SUFFIXES:
        raise FileRefused("unsupported_format", suffix=suffix)
    rows, used_encoding, used_delimiter, handle = open_csv(
        path, encoding=encoding, delimiter=delimiter
    )
    try:
        return Table(
            rows,
            source="csv",
            encoding=used_encoding,
            delimiter=used_delimiter,
            on_close=handle.close,
        )
    except BaseException:
        handle.close()
        raise


def _sheet_table(path: Path, kind: str, sheet: str | int | None) -> Table:
    rows, name, names, close = open_sheet(path, sheet=sheet)
    return Table(rows, source=kind, sheet=name, sheets=names, on_close=close)
