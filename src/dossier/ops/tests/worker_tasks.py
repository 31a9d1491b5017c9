"""A task for the worker tests: it notes each run (start and end, with the pid) in a file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task


def _note(path: str, line: str) -> None:
    # O_APPEND: one short write per line, so processes writing at once do not mix lines
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


@task()
def note_run(number: int, path: str, seconds: float = 0.0) -> int:
    """Note ``start`` and ``done`` for ``number`` in ``path``, ``seconds`` apart."""
    _note(path, f"start {number} {os.getpid()}")
    time.sleep(seconds)
    _note(path, f"done {number} {os.getpid()}")
    return number


def runs(path: Path) -> list[tuple[str, int, int]]:
    """The lines noted so far: (``start`` or ``done``, number, pid)."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        kind, number, pid = line.split()
        rows.append((kind, int(number), int(pid)))
    return rows
