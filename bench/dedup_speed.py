"""Duplicate detection at scale: generated Chinese records through prepare + find_matches.

DOSSIER_BENCH_DEDUP_ROWS records (default 1,000,000) come from bench/dedup_chinese.py's
generator in chunks (generation is not timed); each chunk is prepared, then find_matches scans
them all over both cores (model estimated on the data, blocking, scoring). Prints seconds,
peak RSS of this process and of the worker processes, and the ratios to the goals
(≤ 5 minutes, ≤ 2 GB for a million records).
"""

from __future__ import annotations

import gc
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_chinese import iter_records

from dossier.matching.engine import Person, find_matches, prepare

GOAL_SECONDS, GOAL_BYTES, GOAL_ROWS = 300.0, 2 * 1024**3, 1_000_000


def _peak(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024  # kB on Linux


def main() -> int:
    rows = int(os.environ.get("DOSSIER_BENCH_DEDUP_ROWS", GOAL_ROWS))
    processes = min(2, os.cpu_count() or 1)
    prepared = []
    preparing = 0.0
    batch: list[Person] = []
    # about 1.55 records a person
    for _, record in iter_records(int(rows / 1.5) + 10):
        batch.append(Person(**record))
        if len(batch) == 20_000 or len(prepared) + len(batch) >= rows:
            started = time.perf_counter()
            prepared.extend(prepare(p) for p in batch)
            preparing += time.perf_counter() - started
            batch = []
            if len(prepared) >= rows:
                break
    gc.collect()
    started = time.perf_counter()
    matches = find_matches(prepared, processes=processes)  # estimates the model first
    scanning = time.perf_counter() - started
    total = preparing + scanning
    own, workers = _peak(resource.RUSAGE_SELF), _peak(resource.RUSAGE_CHILDREN)
    scale = GOAL_ROWS / len(prepared)
    print(
        f"{len(prepared):,} records, {processes} processes: prepare {preparing:.1f} s, "
        f"find_matches (with EM) {scanning:.1f} s, total {total:.1f} s; "
        f"{len(matches):,} matches"
    )
    print(f"peak RSS: main {own / 1024**2:.0f} MB, largest worker {workers / 1024**2:.0f} MB")
    print(
        f"seconds / goal {GOAL_SECONDS:.0f} s: {total / GOAL_SECONDS:.3f}"
        + (
            f" (×{scale:.1f} for a million, if linear: {total * scale / GOAL_SECONDS:.3f})"
            if scale > 1.01
            else ""
        )
    )
    print(f"main RSS / goal 2 GB: {own / GOAL_BYTES:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
