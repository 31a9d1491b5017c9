"""Background work of the import (run by `dossier worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from dossier.core.request_ids import carries_request_id


@task()
@carries_request_id  # queued with enqueue_with_request_id: its log lines carry the upload's id
def run_uploaded_import(run_id: int) -> dict[str, Any]:
    """Run (or resume) an uploaded file's import; a run another worker holds is left alone."""
    from dossier.transfer.services import claim_run, execute_import

    run = claim_run(run_id)
    if run is None:
        return {"run": run_id, "skipped": True}
    run = execute_import(run=run)
    return {"run": run.pk, "status": run.status, **run.summary()}


def resume_stalled_imports() -> int:
    """Queue again every import whose worker stopped mid-run (the worker's clock calls it)."""
    from dossier.transfer.services import stalled_runs

    runs = stalled_runs()
    for run_id in runs:
        run_uploaded_import.enqueue(run_id)
    return len(runs)
