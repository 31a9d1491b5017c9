"""Background work of the matching app (run by `dossier worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_duplicate_scan(scan_id: int) -> dict[str, Any]:
    """Run a queued duplicate scan."""
    from dossier.matching.models import DuplicateScan
    from dossier.matching.services.scanning import run_scan

    scan = DuplicateScan.objects.filter(pk=scan_id, status=DuplicateScan.QUEUED).first()
    if scan is None:
        return {"scan": scan_id, "skipped": True}
    scan = run_scan(scan=scan)
    return {"scan": scan.pk, "status": scan.status, "groups": scan.groups}
