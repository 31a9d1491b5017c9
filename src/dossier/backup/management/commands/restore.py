"""`dossier restore FILE [--force]`: replace the whole database with a backup."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dossier.backup.archive import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Check a backup made by `dossier backup` end to end, then replace every table's rows "
        "with it in one transaction. A database that holds users or customers is only "
        "overwritten with --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE", help="The backup file.")
        parser.add_argument(
            "--force", action="store_true", help="Overwrite a database that holds data."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        stream = cast(IO[str], getattr(self.stdout, "_out", sys.stdout))
        columns = (
            TextColumn("[bold]{task.description} rows"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        console = Console(file=stream, highlight=False)
        with Progress(*columns, console=console, disable=quiet) as progress:
            bars: list[Any] = []

            def start(phase: str, total: int) -> None:
                bars.append(progress.add_task(phase, total=total))

            try:
                summary = restore_backup(
                    path=options["file"],
                    force=options["force"],
                    on_start=start,
                    on_rows=lambda n: progress.advance(bars[-1], n),
                )
            except BackupError as exc:
                raise CommandError(str(exc)) from None
        if summary.missing_keys:
            self.stderr.write(
                self.style.WARNING(
                    f"Some values are sealed with keys this server lacks: "
                    f"{', '.join(summary.missing_keys)}. Add them to DOSSIER_KEYS to read them."
                )
            )
        if not quiet:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {sum(summary.rows.values())} rows of {len(summary.rows)} tables "
                    f"from the backup made {summary.created_at}."
                )
            )
