"""Duplicate detection at scale: generated Chinese records through the scan's engine steps.

DOSSIER_BENCH_DEDUP_ROWS records (default 1,000,000) come from bench/dedup_chinese.py's
generator, run first in a child process that writes them to a temporary file (not timed, and
its memory is not the scan's); each chunk of 20,000 read back is prepared over both cores, then
the scan runs as `dossier dedup scan` runs it: score_pairs (model estimated on the data,
blocking, scoring over both cores), then every kept pair explained (as the review queue
stores it), a chunk at a time. Prints seconds, CPU seconds (this process and its workers),
the load average, peak RSS of this process and of the worker processes, and the ratios to
the goals (≤ 5 minutes, ≤ 2 GB for a million records; issue 15 measured 539.6 s and
2,951 MB before).
"""

from __future__ import annotations

import gc
import os
import pickle
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dedup_chinese import iter_records

from dossier.matching.engine import Person, explain, prepare_many, score_pairs

GOAL_SECONDS, GOAL_BYTES, GOAL_ROWS = 300.0, 2 * 1024**3, 1_000_000
BEFORE_SECONDS, BEFORE_MB = 539.6, 2951
BATCH = 20_000


def _peak(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024  # kB on Linux


def _cpu() -> float:
    own, workers = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def _load() -> str:
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def _generate(rows: int, path: str) -> int:
    """Write the records, in batches, from a forked child: the generator keeps every person it
    made (to draw namesakes and households from), which is no part of the scan's memory."""
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            with open(path, "wb") as out:
                batch = []
                # about 1.55 records a person
                records = iter_records(int(rows / 1.5) + 10)
                for count, (_, record) in enumerate(records, start=1):
                    batch.append(record)
                    if len(batch) == BATCH or count >= rows:
                        pickle.dump(batch, out)
                        batch = []
                    if count >= rows:
                        break
            code = 0
        finally:
            os._exit(code)
    _, status, usage = os.wait4(pid, 0)
    if status:
        raise SystemExit("generating the records failed")
    return usage.ru_maxrss * 1024


def _batches(path: str) -> Iterator[list[Person]]:
    with open(path, "rb") as handle:
        while True:
            try:
                yield [Person(**record) for record in pickle.load(handle)]
            except EOFError:
                return


def main() -> int:
    rows = int(os.environ.get("DOSSIER_BENCH_DEDUP_ROWS", GOAL_ROWS))
    processes = min(2, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "records.pickle")
        generator_peak = _generate(rows, path)
        load_before, cpu_before = _load(), _cpu()
        prepared = []
        preparing = 0.0
        for batch in _batches(path):
            started = time.perf_counter()
            prepared.extend(prepare_many(batch, processes=processes))
            preparing += time.perf_counter() - started
    gc.collect()
    started = time.perf_counter()
    scored = score_pairs(prepared, processes=processes)  # estimates the model first
    scoring = time.perf_counter() - started
    decisions: dict[str, int] = {}
    for match in explain(prepared, scored, processes=processes):
        decisions[match.decision] = decisions.get(match.decision, 0) + 1
    scanning = time.perf_counter() - started
    total = preparing + scanning
    cpu, load_after = _cpu() - cpu_before, _load()
    matches = sum(decisions.values())
    own, workers = _peak(resource.RUSAGE_SELF), _peak(resource.RUSAGE_CHILDREN)
    scale = GOAL_ROWS / len(prepared)
    print(
        f"{len(prepared):,} records, {processes} processes: prepare {preparing:.1f} s, "
        f"score_pairs (with EM) {scoring:.1f} s, explained {scanning - scoring:.1f} s, "
        f"total {total:.1f} s; {matches:,} matches {decisions}"
    )
    print(
        f"prepare + scan CPU (all processes) {cpu:.1f} s; load average before "
        f"{load_before}, after {load_after} (2 cores)"
    )
    print(
        f"peak RSS: main {own / 1024**2:.0f} MB, largest child {workers / 1024**2:.0f} MB "
        f"(the record generator, not timed: {generator_peak / 1024**2:.0f} MB)"
    )
    print(
        f"seconds / goal {GOAL_SECONDS:.0f} s: {total / GOAL_SECONDS:.3f}"
        + (
            f" (×{scale:.1f} for a million, if linear: {total * scale / GOAL_SECONDS:.3f})"
            if scale > 1.01
            else ""
        )
    )
    print(f"seconds / before {BEFORE_SECONDS} s: {total / BEFORE_SECONDS:.3f}")
    print(
        f"main RSS / goal 2 GB: {own / GOAL_BYTES:.3f}; / before {BEFORE_MB} MB: "
        f"{own / 1024**2 / BEFORE_MB:.3f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
