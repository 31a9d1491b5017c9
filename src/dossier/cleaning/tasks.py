"""Background work of the cleaning app (run by `dossier worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_cleaning_task(run_id: int) -> dict[str, Any]:
    """Do a queued cleaning run."""
    from dossier.cleaning.models import CleaningRun
    from dossier.cleaning.services import run_cleaning

    run = CleaningRun.objects.filter(pk=run_id, state=CleaningRun.QUEUED).first()
    if run is None:
        return {"run": run_id, "skipped": True}
    run = run_cleaning(run=run)
    return {"run": run.pk, "state": run.state, "suggested": run.suggested, "failed": run.failed}
