"""`dossier tasks due`: announce follow-up tasks whose due time has come (task.due, once each)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dossier.followups.services import announce_due_tasks


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError("give the time with its zone, e.g. 2026-12-01T09:00+08:00")
    return moment


class Command(BaseCommand):
    help = (
        "due: publish task.due for every open follow-up task due by now that was not announced "
        "yet (each task once), for webhooks. `dossier worker` runs it every minute; run it "
        "from cron instead when no worker runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["due"])
        parser.add_argument("--now", default="", help="announce as of this ISO time (tests)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            now = _moment(options["now"]) if options["now"] else None
        except ValueError as exc:
            raise CommandError(f"--now: {exc}") from None
        total = 0
        while True:  # a sweep takes a batch; go on until nothing is left
            announced = announce_due_tasks(now=now)
            total += announced
            if announced == 0:
                break
        self.stdout.write(f"{total} task(s) announced as due.")
