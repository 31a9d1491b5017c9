"""Reading update campaigns: who sees which, their funnels, recipients, and updates for freshness.

A campaign is seen by administrators, by its creator and by the members of its team who hold
the campaign permission (managers and marketing); everyone else gets 404. Recipients show
only for customers the reader may see (``restrict_owned``); the funnel counts the whole
campaign (numbers, no one named).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers.access import may, restrict_owned
from dossier.outreach.models import UpdateCampaign, UpdateRecipient

VIEW = "outreach.view_updatecampaign"
ADD = "outreach.add_updatecampaign"
CHANGE = "outreach.change_updatecampaign"
PAGE_SIZE = 200
S = UpdateRecipient.State
#: states that were sent a link (the funnel's first step)
WAS_SENT = (S.SENT, S.OPENED, S.UPDATED, S.NO_ANSWER)


@dataclass(frozen=True)
class Funnel:
    """How far a campaign's recipients went: sent → opened → updated, and the rest."""

    total: int = 0
    pending: int = 0
    sent: int = 0
    opened: int = 0
    updated: int = 0
    no_answer: int = 0
    no_channel: int = 0
    failed: int = 0

    def share(self, part: int) -> int:
        """Per cent of those sent a link (0 when none were)."""
        return round(100 * part / self.sent) if self.sent else 0


def is_admin(actor: MaybeActor | None) -> bool:
    return bool(
        actor is not None
        and actor.is_authenticated
        and (actor.is_superuser or role_of_cached(actor) == roles.ADMIN)
    )


def visible_campaigns(actor: MaybeActor | None) -> QuerySet[UpdateCampaign]:
    """The campaigns ``actor`` may see: all (admins), their own and their team's."""
    rows = UpdateCampaign.objects.select_related("purpose", "segment", "created_by", "sent_by")
    if not may(actor, VIEW):
        return rows.none()
    if is_admin(actor):
        return rows
    shown = Q(created_by_id=actor.pk)  # type: ignore[union-attr]
    team_id = team_id_of(actor)
    if team_id is not None:
        shown |= Q(team_id=team_id)
    return rows.filter(shown)


def campaign_for(
    actor: MaybeActor | None, campaign_id: Any, permission: str = VIEW
) -> UpdateCampaign:
    """The campaign for ``actor`` holding ``permission``: 404 unless seen, then 403 without it."""
    try:
        number = int(campaign_id)
    except (TypeError, ValueError, OverflowError):
        number = 0
    found = visible_campaigns(actor).filter(pk=number).first() if 0 < number < 2**63 else None
    if found is None:
        raise NotFound(_("No such update campaign."), code="campaign_not_found")
    if not may(actor, permission):
        raise PermissionDenied(_("You may not do this with update campaigns."))
    return found


def funnels(campaign_ids: Iterable[int]) -> dict[int, Funnel]:
    """Each campaign's funnel, in one grouped query."""
    rows = (
        UpdateRecipient.objects.filter(campaign_id__in=list(campaign_ids))
        .values("campaign_id")
        .annotate(
            total=Count("id"),
            pending=Count("id", filter=Q(state=S.PENDING)),
            sent=Count("id", filter=Q(state__in=WAS_SENT)),
            opened=Count(
                "id",
                filter=Q(state__in=(S.OPENED, S.UPDATED))
                | Q(state=S.NO_ANSWER, opened_at__isnull=False),
            ),
            updated=Count("id", filter=Q(state=S.UPDATED)),
            no_answer=Count("id", filter=Q(state=S.NO_ANSWER)),
            no_channel=Count("id", filter=Q(state=S.NO_CHANNEL)),
            failed=Count("id", filter=Q(state=S.FAILED)),
        )
        .order_by()
    )
    found: dict[int, Funnel] = {}
    for row in rows:
        counts: dict[str, Any] = dict(row)
        campaign_id = counts.pop("campaign_id")
        found[campaign_id] = Funnel(**counts)
    return found


def campaign_list(*, actor: MaybeActor) -> list[tuple[UpdateCampaign, Funnel]]:
    """The campaigns ``actor`` sees (newest first, at most a page) with their funnels."""
    if not may(actor, VIEW):
        raise PermissionDenied(_("You may not see update campaigns."))
    shown = list(visible_campaigns(actor)[:PAGE_SIZE])
    counted = funnels(c.pk for c in shown)
    return [(c, counted.get(c.pk, Funnel())) for c in shown]


def recipient_list(
    *, actor: MaybeActor, campaign: UpdateCampaign, state: str = ""
) -> list[UpdateRecipient]:
    """The campaign's recipients whose customers ``actor`` may see (a page of them)."""
    rows = restrict_owned(UpdateRecipient.objects.filter(campaign=campaign), actor)
    if state in S.values:
        rows = rows.filter(state=state)
    return list(rows.select_related("customer").order_by("id")[:PAGE_SIZE])


def self_service_updates(customer_ids: Iterable[Any]) -> dict[Any, datetime]:
    """When each customer last corrected their data through an update campaign's link.

    For the quality app's freshness: no access check here, the caller has already chosen
    (and may see) these customers. Customers who never updated are absent.
    """
    rows = (
        UpdateRecipient.objects.filter(customer_id__in=list(customer_ids), updated_at__isnull=False)
        .values("customer_id")
        .annotate(last=Max("updated_at"))
        .order_by()
    )
    return {row["customer_id"]: row["last"] for row in rows}
