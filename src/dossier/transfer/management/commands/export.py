"""`dossier export customers`: the customer list as CSV, XLSX or JSON, as a named user."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from dossier.core.errors import ApplicationError
from dossier.customers.selectors import CustomerFilters
from dossier.transfer.exporting import ENCODINGS, FORMATS, ExportRequest, prepare_export


class Command(BaseCommand):
    help = (
        "Export customers as CSV, XLSX or JSON. --as USER is required: the export holds what "
        "that user sees on the customer list, masked as for them, and is audited as theirs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["customers"], help="What to export.")
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--tag", default="", help="Only customers with this tag.")
        parser.add_argument("--template", default="", help="Only this template (its fields).")
        parser.add_argument("--fields", default="", help="Field keys, comma-separated.")
        parser.add_argument("--as", dest="username", help="Export as this user (required).")
        parser.add_argument("--output", default="", help="File to write (default: stdout).")
        parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8-sig")

    def handle(self, *args: Any, **options: Any) -> None:
        # never as the system: a command-line export must not bypass masking unnoticed
        if not options["username"]:
            raise CommandError("Say whose export this is: --as USERNAME.")
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named “{options['username']}”.")
        if options["format"] == "xlsx" and not options["output"]:
            raise CommandError("An XLSX export needs --output FILE.")
        request = ExportRequest(
            format=options["format"],
            filters=CustomerFilters(tag=options["tag"], template=options["template"]),
            fields=[f.strip() for f in options["fields"].split(",") if f.strip()],
            encoding=options["encoding"],
            language=settings.LANGUAGE_CODE,
        )
        with translation.override(settings.LANGUAGE_CODE):
            try:
                self._export(user, request, options["output"])
            except ApplicationError as exc:
                raise CommandError(exc.message) from None

    def _export(self, user: User, request: ExportRequest, output: str) -> None:
        export = prepare_export(actor=user, request=request)
        if not output:
            stream: Any = self.stdout._out
            binary = getattr(stream, "buffer", None)
            # a text stream (tests, a captured stdout) gets the text of a CSV or JSON export
            export.write(
                binary.write if binary else lambda data: stream.write(data.decode(request.encoding))
            )
            return
        partial = f"{output}.part"
        try:
            with open(partial, "wb") as file:
                export.write(file.write)
            os.replace(partial, output)
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
        self.stderr.write(f"Exported {export.rows} customers to {output}.")
