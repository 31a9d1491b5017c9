"""`dossier reindex`: compute the customers' search lookups (blind indexes) again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dossier.customers.services.lookups import reindex_lookups


class Command(BaseCommand):
    help = (
        "Compute every customer's search lookups again from the stored values (keyed hashes of "
        "phones, e-mails, ID numbers and the last four digits of phones). Run it after an "
        "upgrade that adds a kind of lookup, or after the index key changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Customers per batch.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = reindex_lookups(batch_size=max(1, options["batch_size"]))
        self.stdout.write(f"Reindexed {count} customers.")
