"""Validator throughput: rows per second through validate_rows for a realistic template.

No goal is named for it yet; it is the figure the million-row import will build on.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from dossier.core.fields import FieldSpec, validate_rows
from dossier.templates.core_fields import merge_specs

BUILTIN = (
    Path(__file__).resolve().parents[1] / "src/dossier/templates/builtin/real_estate_buyer.json"
)
ROWS = 20_000


def main() -> None:
    definition = json.loads(BUILTIN.read_text("utf-8"))
    specs = merge_specs([FieldSpec(**f) for f in definition["fields"]])
    rows = [
        {
            "display_name": f"客户{i}",
            "phone": f"138 {i % 10000:04d} {i % 9000 + 1000:04d}",
            "email": f"user{i}@example.com",
            "id_number": "11010519491231002X",
            "budget_min": "¥3,000,000",
            "visit_date": "2026-05-01 14:30",
        }
        for i in range(ROWS)
    ]
    started = time.perf_counter()
    results = validate_rows(rows, specs)
    elapsed = time.perf_counter() - started
    invalid = sum(1 for r in results if not r.ok)
    print(
        f"validate_rows, {len(specs)} fields: {ROWS / elapsed:8.0f} rows/s ({invalid} rows invalid)"
    )


if __name__ == "__main__":
    main()
