"""Reads of the matching app: the review queue and one group, as the actor may see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.customers.selectors import present
from dossier.matching.explain import texts_of_stored
from dossier.matching.models import DuplicateGroup, DuplicateMember, DuplicateScan, Merge

REVIEW_PERMISSION = "customers.change_customer"


def check_may_review(actor: Any) -> None:
    """Reviewing duplicates leads to merging: for who may change customers."""
    if not may(actor, REVIEW_PERMISSION):
        raise PermissionDenied(_("You may not review duplicates."))


def _visible_groups(actor: Any, action: str = "view") -> QuerySet[DuplicateGroup]:
    check_may_review(actor)
    # a group shows only when the actor may see every one of its (live) customers: a pair
    # must not reveal a customer they may not see
    visible = restrict(Customer.objects.all(), actor, action).values("pk")
    hidden = DuplicateMember.objects.exclude(customer_id__in=visible).values("group_id")
    return DuplicateGroup.objects.exclude(id__in=hidden)


def review_queue(*, actor: Any, status: str = DuplicateGroup.OPEN) -> QuerySet[DuplicateGroup]:
    """The duplicate groups to review that the actor may see, likeliest first."""
    return _visible_groups(actor).filter(status=status).order_by("-score", "id")


def queue_items(*, actor: Any, limit: int = 200) -> list[dict[str, Any]]:
    """The review queue as shown: each group, its size and why its likeliest pair matched."""
    language = get_language() or "zh-hans"
    items = []
    for group in review_queue(actor=actor)[:limit]:
        best = max(group.pairs, key=lambda p: p.get("score", 0), default=None)
        why = texts_of_stored(best["reasons"], ("", ""), language)[:2] if best else []
        items.append({"group": group, "size": group.members.count(), "why": why})
    return items


def group_for(*, actor: Any, group_id: Any, action: str = "view") -> DuplicateGroup:
    """One group of the queue, or NotFound when the actor may not see all of it."""
    try:
        pk = int(group_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such duplicate group."), code="group_not_found") from None
    group = _visible_groups(actor, action).filter(pk=pk).first()
    if group is None:
        raise NotFound(_("No such duplicate group."), code="group_not_found")
    return group


@dataclass
class GroupView:
    """A group ready to show: its customers (masked for the actor) and its explained pairs."""

    group: DuplicateGroup
    customers: list[dict[str, Any]]
    pairs: list[dict[str, Any]]
    fields: list[dict[str, Any]]


def group_view(*, actor: Any, group_id: Any) -> GroupView:
    """A group side by side: every field's value per customer, and why they were paired."""
    group = group_for(actor=actor, group_id=group_id)
    ids = [str(pk) for pk in group.members.values_list("customer_id", flat=True)]
    customers = list(
        restrict(Customer.objects.all(), actor, "view")
        .filter(pk__in=ids)
        .select_related("owner", "template_version")
        .prefetch_related("tags")
        .order_by("created_at")
    )
    shown = [present(c, actor) for c in customers]
    names = {str(c.pk): c.display_name for c in customers}
    language = get_language() or "zh-hans"
    pairs = [
        {
            **pair,
            "name_a": names.get(pair["a"], ""),
            "name_b": names.get(pair["b"], ""),
            "texts": texts_of_stored(
                pair["reasons"], (names.get(pair["a"], ""), names.get(pair["b"], "")), language
            ),
        }
        for pair in group.pairs
    ]
    specs = customers[0].template_version.specs() if customers else []
    fields = []
    for spec in specs:
        values = [c["values"].get(spec.key) for c in shown]
        if all(v in (None, "") for v in values):
            continue
        fields.append(
            {
                "key": spec.key,
                "label": spec.label(language),
                "values": values,
                "masked": [spec.key in c["masked"] for c in shown],
                "differ": len({str(v) for v in values}) > 1,
            }
        )
    return GroupView(group=group, customers=shown, pairs=pairs, fields=fields)


def latest_scan() -> DuplicateScan | None:
    """The newest duplicate scan (its progress shows on the queue page)."""
    return DuplicateScan.objects.order_by("-id").first()


def merge_for(*, actor: Any, merge_id: Any) -> Merge:
    """A merge whose survivor the actor may see, or NotFound."""
    try:
        pk = int(merge_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such merge."), code="merge_not_found") from None
    merge = Merge.objects.filter(pk=pk).first()
    visible = restrict(Customer.objects.all(), actor, "view", include_deleted=True)
    if merge is None or not visible.filter(pk=merge.survivor_id).exists():
        raise NotFound(_("No such merge."), code="merge_not_found")
    return merge


def merges_of(*, actor: Any, customer_id: Any) -> list[Merge]:
    """Merges into this customer (newest first) that the actor may see."""
    visible = restrict(Customer.objects.all(), actor, "view", include_deleted=True)
    if not visible.filter(pk=customer_id).exists():
        return []
    return list(Merge.objects.filter(survivor_id=customer_id).order_by("-id"))
