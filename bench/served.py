"""What the read benchmarks share: a process settled as a served worker is, and its GC pauses.

Not a benchmark itself (not in ``run.py``). A served worker (``dossier serve``: gunicorn
without ``--preload``) imports ``dossier.wsgi`` after it starts, which loads the URLs and
moves everything loaded out of the garbage collector's sight (``gc.freeze``). A benchmark
that times reads in its own process does the same with :func:`settle_as_served` once its
seeding is done, so a full collection walks only what the reads themselves allocate, as in
the server, instead of the seeding's leftovers and every module Django loaded (120–205 ms
pauses, which the old figures counted as slow reads). :class:`GcPauses` says how many
collections ran while timing and how long the longest took, so a pause left in a figure
is named rather than guessed.
"""

from __future__ import annotations

import gc
import importlib
import time
from typing import Any


def settle_as_served() -> int:
    """Collect what seeding left, then import ``dossier.wsgi`` as a served worker does (it
    loads the URLs and freezes what is loaded). The number of objects frozen."""
    gc.collect()
    wsgi = importlib.import_module("dossier.wsgi")
    if gc.get_freeze_count() == 0:  # imported before this call: freeze as its import did
        wsgi.settle()
    return gc.get_freeze_count()


class GcPauses:
    """The garbage collector's pauses while active (``with GcPauses() as pauses:``)."""

    def __init__(self) -> None:
        #: (generation, ms, CPU ms): a pause much longer than its CPU time is the process
        #: waiting for a core (a loaded machine), not the collector's work
        self.pauses: list[tuple[int, float, float]] = []
        self._started = (0.0, 0.0)

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = (time.perf_counter(), time.process_time())
        else:
            wall = (time.perf_counter() - self._started[0]) * 1000
            cpu = (time.process_time() - self._started[1]) * 1000
            self.pauses.append((int(info["generation"]), wall, cpu))

    def __enter__(self) -> GcPauses:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)

    def summary(self) -> str:
        """ "N collections (M full), longest X ms"."""
        if not self.pauses:
            return "no garbage collection"
        full = sum(1 for generation, _ms, _cpu in self.pauses if generation == 2)
        _generation, longest, cpu = max(self.pauses, key=lambda pause: pause[1])
        most_cpu = max(cpu for _generation, _ms, cpu in self.pauses)
        return (
            f"{len(self.pauses)} garbage collections ({full} full), longest {longest:.1f} ms "
            f"({cpu:.1f} ms of CPU; the most CPU any took: {most_cpu:.1f} ms)"
        )


def load_average() -> str:
    """The machine's load average over 1, 5 and 15 minutes (the machine is shared)."""
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])
