"""Update campaign recipients in the customer-data registry, and privacy's link hook."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register
from dossier.outreach.models import UpdateRecipient
from dossier.outreach.sending import link_used
from dossier.privacy.selfservice import on_link_used


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def recipients_copy(customer: Customer) -> list[dict[str, Any]]:
    """The update campaigns the customer was sent, and what they did with the link."""
    rows = UpdateRecipient.objects.filter(customer_id=customer.pk).select_related("campaign")
    return [
        {
            "campaign": r.campaign.name,
            "channel": r.campaign.channel,
            "state": r.state,
            "sent_at": _when(r.sent_at),
            "opened_at": _when(r.opened_at),
            "updated_at": _when(r.updated_at),
            "reminded_at": _when(r.reminded_at),
            "fields_updated": list(r.updated_fields),
        }
        for r in rows.order_by("id")
    ]


def anonymise_recipients(rows: QuerySet[Any]) -> None:
    """Keep the state (campaign funnels still add up); drop the link, the dates that tell what
    the person did and when, the fields they changed and the failure reason."""
    rows.update(
        link=None,
        link_issued_at=None,
        sent_at=None,
        opened_at=None,
        updated_at=None,
        reminded_at=None,
        updated_fields=[],
        failure="",
    )


def merge_recipients(source_id: Any, target_id: Any) -> int:
    """Move a merged customer's recipients to the survivor; where both were in one campaign,
    the survivor's row stays and the merged one's goes."""
    with transaction.atomic():
        theirs = UpdateRecipient.objects.filter(customer_id=target_id).values("campaign_id")
        mine = UpdateRecipient.objects.filter(customer_id=source_id)
        gone = mine.filter(campaign_id__in=theirs).delete()[0]
        return int(mine.update(customer_id=target_id)) + int(gone)


def register_outreach() -> None:
    """Register the recipients (export, anonymise on erasure, merge) and the link hook."""
    register(
        CustomerData(
            key="update_campaigns",
            model=UpdateRecipient,
            export=recipients_copy,
            erasure="anonymise",
            anonymise=anonymise_recipients,
            repoint=merge_recipients,
        )
    )
    on_link_used(link_used)
