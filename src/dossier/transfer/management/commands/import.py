"""`dossier import customers FILE`: load a spreadsheet or CSV, every row accounted for."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from dossier.core.errors import ApplicationError, ValidationFailed
from dossier.templates.models import Template
from dossier.transfer import services
from dossier.transfer.importing.engine import field_errors
from dossier.transfer.importing.error_file import write_error_file
from dossier.transfer.importing.plan import MODES, ImportOptions
from dossier.transfer.models import ImportRun


class Command(BaseCommand):
    help = (
        "Import customers from CSV, XLSX, XLS or ODS. Every data row ends created, updated, "
        "unchanged or failed; failed rows go to the error file with the reason. --as USER "
        "is required: the rows are written with that user's rights and audited as theirs. "
        "`dossier import undo RUN --as USER` takes a run back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["customers", "orders", "undo"])
        parser.add_argument("file", help="The file to import (or, for undo, the run's number).")
        parser.add_argument("--template", default="", help="The template's key.")
        parser.add_argument("--as", dest="username", help="Import as this user (required).")
        parser.add_argument("--mapping", default="", help="JSON file: {header: field key}.")
        parser.add_argument("--mode", choices=MODES, default="upsert")
        parser.add_argument(
            "--match-on", default="", help="Fields naming existing customers, comma-separated."
        )
        parser.add_argument("--encoding", default=None, help="The CSV's encoding (detected).")
        parser.add_argument("--sheet", default=None, help="The sheet (name or 1-based number).")
        parser.add_argument("--delimiter", default=None, help="The CSV's delimiter (detected).")
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write none.")
        parser.add_argument("--errors", default="", help="Where to write the error file (CSV).")
        parser.add_argument("--json", action="store_true", help="End with a JSON summary line.")
        parser.add_argument("--save-mapping", action="store_true", help="Remember the mapping.")
        parser.add_argument(
            "--source", default="import", help="Orders: the system they come from (default)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        language = settings.LANGUAGE_CODE
        with translation.override(language):
            user = self._user(options["username"])
            try:
                if options["what"] == "undo":
                    self._undo(user, options["file"])
                else:
                    self._import(user, options, language)
            except ValidationFailed as failed:
                details = "; ".join(e.message(language) for e in failed.errors)
                raise CommandError(f"{failed.message} {details}".strip()) from None
            except ApplicationError as error:
                raise CommandError(error.message) from None

    def _user(self, username: str | None) -> User:
        if not username:
            raise CommandError("Say whose import this is: --as USERNAME.")
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named “{username}”.")
        return user

    def _import(self, user: User, options: dict[str, Any], language: str) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Cannot read {path}: no such file.")
        mapping = self._mapping(options["mapping"])
        if options["what"] == "orders":
            run = services.start_order_import(
                actor=user,
                path=path,
                file_name=path.name,
                source=options["source"],
                mapping=mapping,
                dry_run=options["dry_run"],
                encoding=options["encoding"],
                sheet=options["sheet"],
                language=language,
            )
            self._finish(run, path, options, language)
            return
        template = Template.objects.filter(key=options["template"]).first()
        if template is None:
            raise CommandError(f"No template “{options['template']}” (--template KEY).")
        import_options = ImportOptions(
            mode=options["mode"],
            match_on=tuple(k.strip() for k in options["match_on"].split(",") if k.strip()),
            encoding=options["encoding"],
            sheet=options["sheet"],
            delimiter=options["delimiter"],
            dry_run=options["dry_run"],
        )
        run = services.start_import(
            actor=user,
            template=template,
            path=path,
            file_name=path.name,
            mapping=mapping,
            options=import_options,
            language=language,
        )
        run = self._finish(run, path, options, language)
        if options["save_mapping"] and not import_options.dry_run:
            services.save_mapping(actor=user, template=template, mapping=run.mapping)

    def _finish(
        self, run: ImportRun, path: Path, options: dict[str, Any], language: str
    ) -> ImportRun:
        """Run the import with a progress bar, write the error file, print the summary."""
        run = self._run(run, path, quiet=options["json"] or options["verbosity"] == 0)
        if run.status == ImportRun.REFUSED:
            raise CommandError(run.reason)
        errors_file = options["errors"] or (f"{path}.errors.csv" if run.failed else "")
        if errors_file:
            write_error_file(errors_file, field_errors(run), language)
        summary = services.summary(run, errors_file)
        if options["json"]:
            self.stdout.write(json.dumps(summary, ensure_ascii=False))
            return run
        self.stdout.write(
            f"Import {run.pk} ({run.status}): {run.rows} rows — {run.created} created, "
            f"{run.updated} updated, {run.unchanged} unchanged, {run.failed} failed."
        )
        if errors_file:
            self.stdout.write(f"Failed rows and their reasons: {errors_file}")
        ignored = [header for header, key in run.mapping.items() if not key]
        if ignored:
            self.stdout.write("Columns not imported (no field): " + ", ".join(ignored))
        return run

    def _run(self, run: ImportRun, path: Path, *, quiet: bool) -> ImportRun:
        console = Console(file=sys.stderr)
        columns = (
            TextColumn("[bold]import"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rate]} rows/s"),
            TimeRemainingColumn(),
        )
        with Progress(*columns, console=console, disable=quiet, transient=False) as progress:
            bar = progress.add_task("rows", total=None, rate="0")

            def moved(done: int, expected: int | None) -> None:
                task = progress.tasks[0]
                elapsed = task.elapsed or 0.0
                rate = f"{done / elapsed:,.0f}" if elapsed > 0 else "0"
                progress.update(bar, completed=done, total=expected, rate=rate)

            run = services.execute_import(run=run, path=path, progress=moved)
            # the line count was an estimate: the bar ends at the rows the file really held
            progress.update(bar, completed=run.rows, total=run.rows)
            return run

    def _mapping(self, name: str) -> dict[str, str | None] | None:
        if not name:
            return None
        try:
            data = json.loads(Path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read the mapping {name}: {error}") from None
        if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
            raise CommandError(f"The mapping {name} must be a JSON object {{header: field}}.")
        return {k: (v if isinstance(v, str) and v else None) for k, v in data.items()}

    def _undo(self, user: User, number: str) -> None:
        try:
            run_id = int(number)
        except ValueError:
            raise CommandError(f"“{number}” is not an import run's number.") from None
        outcome = services.undo_import(actor=user, run_id=run_id)
        kept = ", ".join(f"{n} {why}" for why, n in outcome.kept.items()) or "none"
        self.stdout.write(
            f"Import {run_id} undone: {outcome.removed} removed, {outcome.restored} restored; "
            f"kept: {kept}."
        )
