"""`dossier pipeline stale`: give each newly stale opportunity a follow-up task (daily, cron)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from dossier.pipeline.stale import flag_stale_opportunities, stale_after_days


class Command(BaseCommand):
    help = (
        "stale: open opportunities with no move or change for DOSSIER_STALE_OPPORTUNITY_DAYS "
        "days (default 14) get one follow-up task each, for their owner; run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["stale"])
        parser.add_argument("--days", type=int, default=None, help="override the setting")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"] if options["days"] is not None else stale_after_days()
        if days < 1:
            raise CommandError("--days must be at least 1.")
        with translation.override(settings.LANGUAGE_CODE):  # task titles in the site's language
            made = flag_stale_opportunities(days=days)
        self.stdout.write(f"{made} stale opportunit{'y' if made == 1 else 'ies'} (> {days} days).")
