"""`dossier counts verify|rebuild`: check the kept customer counts against the rows, or reset
them (and, with rebuild, refill the SQLite search index too)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dossier.customers import counts, search_index


class Command(BaseCommand):
    help = (
        "verify: compare the customer counts kept per template, per tag and per tag by "
        "owner, team and template with a recount (exit status 1 when they differ). rebuild: "
        "set them to the recount and refill the SQLite search index."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "rebuild"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            with transaction.atomic():
                counts.rebuild()
                indexed = search_index.rebuild()
            self.stdout.write(f"Counts rebuilt; {indexed} customers re-indexed for search.")
            return
        drift = counts.verify()
        for line in drift:
            self.stdout.write(line)
        if drift:
            raise CommandError(f"{len(drift)} count(s) differ from the rows.")
        self.stdout.write("Counts match the rows.")
