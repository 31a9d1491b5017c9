"""Reading import files: tables from CSV/XLSX/XLS/ODS, header mapping, value pre-cleaning.

Pure Python (no Django), so it runs fast in worker processes and tests.
"""

from dossier.transfer.reading.files import open_table
from dossier.transfer.reading.mapping import (
    MappingPlan,
    normalise_header,
    plan_mapping,
    suggest_mapping,
)
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
from dossier.transfer.reading.values import (
    ValueRefused,
    clean_boolean,
    clean_cell,
    clean_date,
    half_width,
    serial_to_iso,
    to_boolean,
    to_iso_date,
)

__all__ = [
    "BAD_BYTES",
    "TOO_FEW",
    "TOO_MANY",
    "Counts",
    "FileRefused",
    "HeaderProblem",
    "MappingPlan",
    "Row",
    "Table",
    "ValueRefused",
    "clean_boolean",
    "clean_cell",
    "clean_date",
    "half_width",
    "normalise_header",
    "open_table",
    "plan_mapping",
    "serial_to_iso",
    "suggest_mapping",
    "to_boolean",
    "to_iso_date",
]
