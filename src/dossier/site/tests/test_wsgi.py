"""The served process after start-up: what it loaded is out of the garbage collector's sight."""

from __future__ import annotations

import gc
import weakref

from dossier import wsgi


class _Node:
    """A container that can hold itself (a reference cycle, freed only by the collector)."""

    def __init__(self) -> None:
        self.me: _Node | None = None


def test_settle_collects_start_up_garbage_and_freezes_what_lives() -> None:
    kept = [_Node()]
    cycle = _Node()
    cycle.me = cycle
    gone = weakref.ref(cycle)
    del cycle
    gc.unfreeze()
    try:
        wsgi.settle()
        # the cycle was collected, not frozen for the life of the process
        assert gone() is None
        # what lives was frozen: a full collection no longer walks it
        assert gc.get_freeze_count() > 0
        assert not any(o is kept for o in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(o is kept for o in gc.get_objects())
