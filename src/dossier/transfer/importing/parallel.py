"""Preparing rows (validate, encrypt, digest) in worker processes, a few chunks ahead.

Cleaning cells and preparation are pure CPU and touch no database, so forked processes do
them while the main process writes the previous chunk. At most ``ahead`` chunks are out at
once: memory stays flat however long the file is. Workers are forked after Django is set
up (settings, keys, field types are there); they never use the database connection they
inherit and leave with ``os._exit``, so they cannot close it under the parent.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings

from dossier.core.fields import FieldSpec
from dossier.customers.services.bulk_load import PreparedRows, prepare_new_customers
from dossier.transfer.importing.rows import FileRow, RowShape
from dossier.transfer.reading import Row

Chunk = list[FileRow]


def processes() -> int:
    """Worker processes for preparation: the setting, else one per core (1: none, inline)."""
    wanted = getattr(settings, "DOSSIER_IMPORT_PROCESSES", 0) or os.cpu_count() or 1
    return max(1, int(wanted))


Job = tuple[list[Row], RowShape, list[FieldSpec]]


def _prepare(job: Job) -> PreparedRows:
    raw, shape, specs = job
    ready = [row for row in shape.file_rows(raw) if not row.errors]
    return prepare_new_customers([row.values for row in ready], specs, [r.line for r in ready])


def prepared_chunks(
    chunks: Iterable[list[Row]],
    shape: RowShape,
    specs: Sequence[FieldSpec],
    *,
    workers: int,
    ahead: int = 0,
) -> Iterator[tuple[Chunk, PreparedRows]]:
    """Each chunk of table rows, cleaned (:class:`FileRow`) and prepared (those without a
    reading error), in file order. Cleaning runs in the workers too: the main process
    only reads the file and writes. A worker sends back the prepared rows only; the main
    process cleans again the cells of a row only if it asks for them (see :class:`FileRow`)."""
    spec_list = list(specs)
    jobs = ((chunk, (chunk, shape, spec_list)) for chunk in chunks)
    for raw, prepared in run_ahead(_prepare, jobs, workers=workers, ahead=ahead):
        yield list(shape.file_rows(raw, lazy=True)), prepared


def run_ahead(
    function: Callable[[Any], Any],
    jobs: Iterable[tuple[Any, Any]],
    *,
    workers: int,
    ahead: int = 0,
) -> Iterator[tuple[Any, Any]]:
    """``(tag, function(argument))`` for each ``(tag, argument)`` of ``jobs``, in order.

    ``function`` runs in ``workers`` forked processes (a module-level function: it is sent
    by name), at most ``ahead`` jobs out at once; with one worker, here.
    """
    if workers <= 1:
        for tag, argument in jobs:
            yield tag, function(argument)
        return
    context = multiprocessing.get_context("fork")
    # the objects there are at the fork move out of the collector's sight: a worker's full
    # collections then neither walk Django's heap nor copy the pages they touch
    gc.freeze()
    try:
        with context.Pool(workers) as pool:
            pending: deque[tuple[Any, Any]] = deque()
            limit = ahead or workers * 2
            for tag, argument in jobs:
                pending.append((tag, pool.apply_async(function, (argument,))))
                if len(pending) >= limit:
                    done, result = pending.popleft()
                    yield done, result.get()
            while pending:
                done, result = pending.popleft()
                yield done, result.get()
    finally:
        gc.unfreeze()
