"""`dossier retention`: enforce the retention policies now, or queue it for the worker."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dossier.core.actors import system_actor


class Command(BaseCommand):
    help = (
        "Enforce the retention policies: anonymise (or delete) customers whose data has "
        "expired and write a report (a RetentionRun row). Audit events are never deleted; "
        "the report only counts those older than the audit policy. --dry-run changes "
        "nothing and prints what would happen. Run it once a day, e.g. from cron: "
        "'15 3 * * * cd /srv/dossier && .venv/bin/dossier retention' or with a systemd "
        "timer (OnCalendar=*-*-* 03:15) whose service runs 'dossier retention'. --queue "
        "hands the run to 'dossier worker' instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report what would be done; change nothing."
        )
        parser.add_argument(
            "--queue", action="store_true", help="Queue the run for the background worker."
        )
        parser.add_argument("--json", action="store_true", help="Print the whole report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["queue"]:
            from dossier.privacy.tasks import run_retention

            result = run_retention.enqueue(dry_run=options["dry_run"])
            self.stdout.write(f"Queued retention run {result.id}.")
            return
        from dossier.privacy.retention import apply_retention

        report = apply_retention(actor=system_actor("retention"), dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
            return
        title = "Retention dry run" if report.dry_run else f"Retention run {report.run_id}"
        self.stdout.write(title)
        for category, counts in report.counts.items():
            figures = ", ".join(
                f"{k} {v}" for k, v in counts.items() if k not in ("cutoff", "customer_ids")
            )
            self.stdout.write(f"  {category}: {figures}")
