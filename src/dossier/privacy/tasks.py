"""Background work of the privacy app (run by `dossier worker`)."""

from typing import Any

from django_tasks import task

from dossier.core.actors import system_actor


@task()
def run_retention(dry_run: bool = False) -> dict[str, Any]:
    """Enforce the retention policies and write the report (see ``dossier retention``)."""
    from dossier.privacy.retention import apply_retention

    return apply_retention(actor=system_actor("retention"), dry_run=dry_run).as_dict()
