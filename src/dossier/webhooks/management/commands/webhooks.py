"""`dossier webhooks deliver-due`: send the webhook deliveries whose next attempt is due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dossier.webhooks.services import deliver_due


class Command(BaseCommand):
    help = (
        "deliver-due: send the webhook deliveries whose next attempt is due (run it from cron "
        "every minute when the task queue cannot wait for a retry time, or after a worker "
        "stopped mid-delivery)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["deliver-due"])
        parser.add_argument(
            "--limit", type=int, default=500, help="at most this many deliveries (default 500)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = deliver_due(limit=max(1, options["limit"]))
        self.stdout.write(f"{sent} webhook delivery attempt(s) made.")
