"""How complete the customers an import created or updated are: its batches' figures, summed.

Each batch measures its own customers in its transaction (``ImportBatch.quality``), so a
resumed run counts every batch once and a dry run reports what the file would bring.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def summed(batches: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The run's figure from its batches' ``quality``: customers measured, their average
    completeness (None when there were none) and, per field, how many lack it (most first)."""
    customers = total = 0
    missing: dict[str, int] = {}
    for quality in batches:
        customers += int(quality.get("customers") or 0)
        total += int(quality.get("completeness_sum") or 0)
        for key, count in (quality.get("missing") or {}).items():
            missing[key] = missing.get(key, 0) + int(count)
    return {
        "customers": customers,
        "average_completeness": round(total / customers) if customers else None,
        "missing": dict(sorted(missing.items(), key=lambda item: (-item[1], item[0]))),
    }
