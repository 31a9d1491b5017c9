"""Background work of bulk actions (run by `dossier worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_bulk_action(bulk_id: int) -> dict[str, Any]:
    """Run (or resume) a queued bulk action."""
    from dossier.bulk.services import run

    bulk = run(bulk_id=bulk_id)
    return {"bulk_action": bulk.pk, "state": bulk.state, "done": bulk.done, "failed": bulk.failed}


@task()
def undo_bulk_action(bulk_id: int) -> dict[str, Any]:
    """Undo a bulk action whose undo was asked for (too large to do in the request)."""
    from dossier.bulk.services import revert

    bulk = revert(bulk_id=bulk_id)
    return {"bulk_action": bulk.pk, "undo": bulk.undo_report}
