"""Stale opportunities: open ones nobody moved or changed for a while get a follow-up task.

The sweep runs daily (``dossier pipeline stale``). An opportunity is flagged once per quiet
spell: the flag is set in the same transaction as its task, by a conditional update that only
one sweep can win, and any later activity clears it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.actors import system_actor
from dossier.followups.services import schedule_follow_up
from dossier.pipeline.models import Opportunity

CAUSE_KIND = "opportunity"


def stale_after_days() -> int:
    """Days without a move or change after which an open opportunity is stale (setting)."""
    return int(getattr(settings, "DOSSIER_STALE_OPPORTUNITY_DAYS", 14))


def stale_opportunities(*, now: datetime, days: int) -> list[tuple[int, object, int | None, str]]:
    """(id, customer id, owner id, title) of the open opportunities quiet since before the cut."""
    cutoff = now - timedelta(days=days)
    rows = Opportunity.objects.filter(
        closed_at__isnull=True,
        stale_flagged_at__isnull=True,
        last_activity_at__lt=cutoff,
        customer__deleted_at__isnull=True,
        customer__erased_at__isnull=True,
    )
    return list(rows.order_by("id").values_list("id", "customer_id", "owner_id", "title"))


def flag_stale_opportunities(now: datetime | None = None, *, days: int | None = None) -> int:
    """Give each newly stale opportunity one follow-up task (to its owner); how many were made.

    Running it twice makes no second task for the same quiet spell.
    """
    now = now or timezone.now()
    days = stale_after_days() if days is None else days
    cutoff = now - timedelta(days=days)
    actor = system_actor("stale-opportunities")
    made = 0
    for pk, customer_id, owner_id, title in stale_opportunities(now=now, days=days):
        with transaction.atomic():
            won = Opportunity.objects.filter(
                pk=pk, stale_flagged_at__isnull=True, last_activity_at__lt=cutoff
            ).update(stale_flagged_at=now)
            if not won:  # changed, or flagged by another sweep, since it was read
                continue
            schedule_follow_up(
                actor=actor,
                customer_id=customer_id,
                title=(_("Stale opportunity: %(title)s") % {"title": title})[:200],
                due_at=now,
                assignee=owner_id,
                cause_kind=CAUSE_KIND,
                cause_id=pk,
            )
            made += 1
    return made
