"""`dossier backup FILE`: an encrypted, checksummed backup of the whole database."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dossier.backup.archive import BackupError, write_backup


class Command(BaseCommand):
    help = (
        "Write every table to FILE, gzipped and encrypted with DOSSIER_BACKUP_KEY (or a key "
        "derived from the current data key). Encrypted columns stay encrypted inside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, metavar="FILE", help="The new backup file.")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["verbosity"] == 0
        # rich writes to the real stream: Django's wrapper would add a newline to every refresh
        stream = cast(IO[str], getattr(self.stdout, "_out", sys.stdout))
        columns = (
            TextColumn("[bold]Backing up rows"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        console = Console(file=stream, highlight=False)
        with Progress(*columns, console=console, disable=quiet) as progress:
            bar = progress.add_task("rows", total=None)
            try:
                summary = write_backup(
                    path=options["file"],
                    on_start=lambda total: progress.update(bar, total=total),
                    on_rows=lambda n: progress.advance(bar, n),
                )
            except BackupError as exc:
                raise CommandError(str(exc)) from None
        if not quiet:
            rows = sum(summary.rows.values())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backed up {rows} rows of {len(summary.rows)} tables to {summary.path} "
                    f"({summary.size:,} bytes, sha256 of the data {summary.sha256[:16]}…)."
                )
            )
