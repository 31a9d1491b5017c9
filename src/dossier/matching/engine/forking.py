"""Running the engine's CPU work in forked processes that share the parent's records. Pure.

The records are loaded once in the parent; forked children read them without a copy (the
parent's objects are frozen out of the garbage collector first, so collections in a child do
not write to every shared page). Results come back in order, a few chunks ahead at most, so
the parent holds little more than what it consumes.
"""

from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.pool
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

Chunk = TypeVar("Chunk")
Result = TypeVar("Result")
#: chunks sent ahead per process: enough to keep every core busy, few enough to stay small
AHEAD = 3


def can_fork() -> bool:
    """Whether worker processes can be forked here (not on Windows or macOS spawn-only)."""
    return "fork" in multiprocessing.get_all_start_methods()


def forked_map(
    function: Callable[[Chunk], Result], chunks: Iterable[Chunk], *, processes: int
) -> Iterator[Result]:
    """``function`` over ``chunks``, in order; in ``processes`` forked workers when above one.

    ``function`` must be a module-level function reading what the workers share from module
    state set before this is called (a forked child inherits it).
    """
    if processes <= 1 or not can_fork():
        for chunk in chunks:
            yield function(chunk)
        return
    gc.freeze()
    try:
        # the workers' own objects (verdicts, matches) hold no cycles: collecting only costs
        context = multiprocessing.get_context("fork")
        with context.Pool(processes, initializer=gc.disable) as pool:
            pending: deque[multiprocessing.pool.AsyncResult[Result]] = deque()
            for chunk in chunks:
                pending.append(pool.apply_async(function, (chunk,)))
                if len(pending) >= AHEAD * processes:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        gc.unfreeze()
