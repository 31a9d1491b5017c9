"""What the action bar and the owner and share forms offer the signed-in user."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from dossier.bulk.actions import ACTIONS
from dossier.bulk.models import BulkAction
from dossier.bulk.selectors import (
    FILTER_KEYS,
    assignable_owners,
    owner_choices,
    share_candidates,
)
from dossier.campaigns.models import Campaign
from dossier.customers.access import allows
from dossier.customers.models import Customer, Tag
from dossier.templates.core_fields import core_spec

register = template.Library()


def _lifecycles() -> list[tuple[str, str]]:
    name = "label_zh" if (get_language() or "").startswith("zh") else "label_en"
    return [(c["value"], c[name]) for c in core_spec("lifecycle").choices()]


@register.simple_tag(takes_context=True)
def bulk_bar(context: Any) -> dict[str, Any]:
    """The actions the user may take on customers and the choices each one needs."""
    request = context["request"]
    user = request.user
    allowed = [k for k in BulkAction.Kind if user.has_perm(ACTIONS[k.value].permission)]
    values = {k.value for k in allowed}
    campaigns: list[Campaign] = []
    if "add_to_campaign" in values:
        campaigns = list(
            Campaign.objects.exclude(status=Campaign.Status.FINISHED).order_by("-id")[:100]
        )
    return {
        "actions": [(k.value, k.label) for k in allowed],
        "tags": list(Tag.objects.order_by("group", "name")[:500]) if values & {"add_tag"} else [],
        "owners": owner_choices(actor=user) if "change_owner" in values else [],
        "lifecycles": _lifecycles(),
        "campaigns": campaigns,
        "filters": [(k, request.GET.get(k, "")[:200]) for k in FILTER_KEYS if request.GET.get(k)],
    }


@register.simple_tag(takes_context=True)
def owner_share(context: Any, customer: Customer) -> dict[str, Any]:
    """Whom the user may make the customer's owner, and share it with (empty: no forms)."""
    user = context["request"].user
    if customer.erased_at is not None or not allows(user, customer, "change"):
        return {"owners": [], "sharers": []}
    return {
        "owners": [
            p for p in assignable_owners(actor=user, customer=customer) if p.pk != customer.owner_id
        ],
        "sharers": share_candidates(actor=user, customer=customer),
    }
