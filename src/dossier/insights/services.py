"""Writing segments: saved, changed, deleted, recounted. Each write is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts.selectors import team_id_of
from dossier.audit.services import record_audit
from dossier.campaigns.membership import MAX_IDS, AddReport, add_members
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields.base import FieldError
from dossier.customers.access import may
from dossier.insights.models import Segment
from dossier.insights.rules import parse_rules
from dossier.insights.selectors import (
    checked_rules,
    get_segment,
    matching,
    may_change_segment,
    segment_customers,
)
from dossier.loyalty.services.coupons import MAX_ISSUE, issue_coupons

NAME_MAX = 100
DESCRIPTION_MAX = 500


def _checked_fields(*, name: Any, description: Any, visibility: Any) -> dict[str, Any]:
    errors = []
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX or "\x00" in name:
        errors.append(
            FieldError(
                "required" if not name else "too_long", field="name", label="name", max=NAME_MAX
            )
        )
    if (
        not isinstance(description, str)
        or len(description) > DESCRIPTION_MAX
        or "\x00" in description
    ):
        errors.append(
            FieldError("too_long", field="description", label="description", max=DESCRIPTION_MAX)
        )
    if visibility not in Segment.Visibility.values:
        errors.append(
            FieldError(
                "invalid_choice", field="visibility", label="visibility", value=str(visibility)[:32]
            )
        )
    if errors:
        raise ValidationFailed(_("The segment could not be saved."), errors=errors)
    return {"name": name.strip(), "description": description.strip(), "visibility": visibility}


@transaction.atomic
def create_segment(
    *,
    actor: MaybeActor,
    name: str,
    rules: Any,
    description: str = "",
    visibility: str = Segment.Visibility.TEAM,
) -> Segment:
    """Save a segment owned by ``actor``, shared as ``visibility`` says."""
    if actor.pk is None or not may(actor, "insights.add_segment"):
        raise PermissionDenied(_("You may not create segments."))
    checked_rules(actor, rules)
    fields = _checked_fields(name=name, description=description, visibility=visibility)
    segment = Segment.objects.create(
        **fields, rules=rules, owner_id=actor.pk, team_id=team_id_of(actor)
    )
    record_audit(
        actor=actor,
        action="create",
        object_type="segment",
        object_id=segment.pk,
        changes={"name": segment.name, "rules": rules},
    )
    return segment


@transaction.atomic
def update_segment(*, actor: MaybeActor, segment_id: Any, **changes: Any) -> Segment:
    """Change a segment's name, description, sharing or rules (owner, team manager, admin)."""
    segment = get_segment(actor=actor, segment_id=segment_id)
    if not may_change_segment(actor, segment):
        raise PermissionDenied(_("You may not change this segment."))
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    unknown = set(changes) - {"name", "description", "visibility", "rules"}
    if unknown:
        raise ValidationFailed(
            _("The segment could not be saved."),
            errors=[FieldError("unknown_field", field=k, label=k) for k in sorted(unknown)],
        )
    if "rules" in changes:
        checked_rules(actor, changes["rules"])
        segment.rules = changes["rules"]
    fields = _checked_fields(
        name=changes.get("name", segment.name),
        description=changes.get("description", segment.description),
        visibility=changes.get("visibility", segment.visibility),
    )
    for key, value in fields.items():
        setattr(segment, key, value)
    segment.save()
    record_audit(
        actor=actor,
        action="update",
        object_type="segment",
        object_id=segment.pk,
        changes={k: v for k, v in changes.items()},
    )
    return segment


@transaction.atomic
def delete_segment(*, actor: MaybeActor, segment_id: Any) -> None:
    """Delete a segment (its customers stay as they are: a segment holds none)."""
    segment = get_segment(actor=actor, segment_id=segment_id)
    if not may_change_segment(actor, segment) or not may(actor, "insights.delete_segment"):
        raise PermissionDenied(_("You may not delete this segment."))
    record_audit(
        actor=actor,
        action="delete",
        object_type="segment",
        object_id=segment.pk,
        changes={"name": segment.name},
    )
    segment.delete()


def recount_segments() -> int:
    """Store every segment's size over all customers (for the reports); the nightly task."""
    done = 0
    for segment in Segment.objects.all():
        try:
            node = parse_rules(segment.rules)
        except ValidationFailed:
            continue  # a rule made invalid by a later change keeps its last count
        Segment.objects.filter(pk=segment.pk).update(
            last_count=matching(node).count(), last_counted_at=timezone.now()
        )
        done += 1
    return done


def _segment_ids(actor: MaybeActor, segment_id: Any) -> list[Any]:
    """The ids of the segment's customers ``actor`` may see, in order."""
    segment = get_segment(actor=actor, segment_id=segment_id)
    found = segment_customers(actor=actor, segment=segment).order_by("id")
    return list(found.values_list("id", flat=True))


def add_segment_to_campaign(*, actor: MaybeActor, segment_id: Any, campaign_id: Any) -> Any:
    """Add a segment's customers (those the actor may see) to a campaign, a thousand at a
    time; the campaign leaves out those without consent, restricted or erased, and says why."""
    ids = _segment_ids(actor, segment_id)
    total = AddReport()
    for start in range(0, max(len(ids), 1), MAX_IDS):
        part = add_members(
            actor=actor, campaign_id=campaign_id, customer_ids=ids[start : start + MAX_IDS]
        )
        total.added += part.added
        total.already_members += part.already_members
        total.skipped.update(part.skipped)
        total.left_out.extend(part.left_out[: max(0, 1000 - len(total.left_out))])
    return total


def issue_coupons_to_segment(
    *, actor: MaybeActor, segment_id: Any, campaign_id: Any
) -> dict[str, int]:
    """One coupon of a coupon campaign to each of the segment's customers the actor may see
    and market to (the loyalty service leaves out the restricted and erased)."""
    ids = _segment_ids(actor, segment_id)
    total = {"issued": 0, "already": 0, "skipped": 0}
    for start in range(0, max(len(ids), 1), MAX_ISSUE):
        part = issue_coupons(
            actor=actor, campaign_id=campaign_id, customer_ids=ids[start : start + MAX_ISSUE]
        )
        for key in total:
            total[key] += int(part.get(key, 0))
    return total
