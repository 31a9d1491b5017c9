"""`dossier figures verify|rebuild`: check every customer's kept figures against the source rows,
or recount them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from dossier.activity import figures
from dossier.activity.models import CustomerFigures


class Command(BaseCommand):
    help = (
        "verify: recount each customer's figures (orders, spend, complaints, open tickets …) "
        "from the source rows and list any that differ (exit status 1 when some do). "
        "rebuild: set them to the recount."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "rebuild"])

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rebuild":
            ids: set[Any] = set(CustomerFigures.objects.values_list("pk", flat=True))
            for source in figures.figure_sources():
                ids |= set(source.recount(None))
            with transaction.atomic():
                figures.refresh_figures(ids)
            self.stdout.write(f"Figures recounted for {len(ids)} customers.")
            return
        drift = figures.verify()
        for line in drift:
            self.stdout.write(line)
        if drift:
            raise CommandError(f"{len(drift)} figure(s) differ from the source rows.")
        self.stdout.write("Figures match the source rows.")
