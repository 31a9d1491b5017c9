"""Reading import files: tables from CSV/XLSX/XLS/ODS, header mapping, value pre-cleaning.

Pure Python (no Django), so it runs fast in worker processes and tests.
"""

from dossier.transfer.reading.files import open_table
from dossier.transfer.reading.refusals import FileRefused
from dossier.transfer.reading.table import (
    BAD_BYTES,
    TOO_FEW,
    TOO_MANY,
    Counts,
    HeaderProblem,
    Row,
    Table,
)

__all__ = [
    "BAD_BYTES",
    "TOO_FEW",
    "TOO_MANY",
    "Counts",
    "FileRefused",
    "HeaderProblem",
    "Row",
    "Table",
    "open_table",
]
