"""`dossier dedup scan` (find duplicate customers) and `dossier dedup pairs FILE.csv`."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dossier.matching.engine import pairs


class Command(BaseCommand):
    help = (
        "Find duplicate customers. `dossier dedup scan [--json]` compares every customer and "
        "queues the groups found for review on the duplicates page; `dossier dedup pairs "
        "FILE.csv --id-column COL [--threshold T]` prints the likely duplicate pairs of any CSV "
        "of person records as id_a,id_b,score, without touching the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["scan", "pairs"])
        parser.add_argument("rest", nargs="*", help="pairs: FILE.csv")
        parser.add_argument("--json", action="store_true", help="scan: one summary line")
        parser.add_argument("--processes", type=int, default=None)
        parser.add_argument("--id-column", default="", help="pairs: the column of record ids")
        parser.add_argument("--threshold", default=None, help="pairs: lowest score printed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "pairs":
            argv = [*options["rest"], "--id-column", options["id_column"]]
            if options["threshold"] is not None:
                argv += ["--threshold", str(options["threshold"])]
            out = io.StringIO()
            code = pairs.main(argv, out=out)
            self.stdout.write(out.getvalue(), ending="")
            if code:
                sys.exit(code)
            return
        self._scan(options)

    def _scan(self, options: dict[str, Any]) -> None:
        from dossier.matching.services.scanning import run_scan

        console = Console(file=sys.stderr)
        columns = (
            TextColumn("reading customers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, disable=options["json"]) as bar:
            task = bar.add_task("scan", total=None)
            scan = run_scan(
                processes=options["processes"],
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        summary = {
            "scan": scan.pk,
            "customers": scan.customers,
            "pairs": scan.pairs,
            "groups": scan.groups,
            "seconds": round((scan.finished_at - scan.started_at).total_seconds(), 2)
            if scan.finished_at and scan.started_at
            else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"Scanned {scan.customers} customers: {scan.groups} groups of likely duplicates "
                "queued for review."
            )
