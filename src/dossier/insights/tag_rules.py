"""Tag rules: a segment keeps a tag on its members (高频次购买者, 首次购买, 潜在流失风险 …).

Applied nightly after the scores' refresh (rules may test RFM segments or churn risk), and
when a rule is made. Each application is one audit event with how many gained and lost the
tag; a customer's tag says which rule gave it.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, system_actor
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.customers.access import may
from dossier.customers.models import Tag
from dossier.customers.services.tags import create_tag, sync_rule_tag
from dossier.insights.models import Segment, TagRule
from dossier.insights.rules import parse_rules
from dossier.insights.selectors import get_segment, matching, visible_segments
from dossier.insights.services import create_segment

#: the rules the seed articles name, as (tag name, segment description, rules)
STANDARD_RULES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    (
        "高频次购买者",
        "90 天内购买 3 次及以上",
        {"field": "orders", "metric": "count", "within_days": 90, "op": "gte", "value": 3},
    ),
    (
        "首次购买",
        "只购买过一次，且在最近 30 天内",
        {
            "all": [
                {"field": "order_count", "op": "eq", "value": 1},
                {"field": "first_purchase_at", "op": "within_days", "value": 30},
            ]
        },
    ),
    ("潜在流失风险", "流失风险 70 分及以上", {"field": "churn_risk", "op": "gte", "value": 70}),
)


def _check_may_keep_tags(actor: MaybeActor) -> None:
    if not (may(actor, "customers.change_tag") and may(actor, "insights.add_segment")):
        raise PermissionDenied(_("You may not make tag rules."))


def apply_rule(rule: TagRule, *, actor: MaybeActor | None = None) -> tuple[int, int]:
    """Bring the rule's tag in line with its segment now; how many gained and lost it."""
    try:
        node = parse_rules(rule.segment.rules)
    except ValidationFailed:
        return (0, 0)  # a segment made invalid by a later change: its tags stay as they were
    with transaction.atomic():
        added, removed = sync_rule_tag(
            tag_id=rule.tag_id, source=rule.source, members=matching(node)
        )
        TagRule.objects.filter(pk=rule.pk).update(
            last_applied_at=timezone.now(), last_added=added, last_removed=removed
        )
        record_audit(
            actor=actor or system_actor("tag rules"),
            action="apply",
            object_type="tag_rule",
            object_id=rule.pk,
            changes={"tag": rule.tag.name, "segment": rule.segment.name, "added": added,
                     "removed": removed},
        )  # fmt: skip
    return added, removed


def apply_tag_rules() -> int:
    """Apply every tag rule (the nightly job, after the scores); how many rules ran."""
    rules = list(TagRule.objects.select_related("segment", "tag"))
    for rule in rules:
        apply_rule(rule)
    return len(rules)


def create_tag_rule(*, actor: MaybeActor, segment_id: Any, tag_id: Any) -> TagRule:
    """Keep ``tag_id`` on the members of a segment the actor may see, starting now."""
    _check_may_keep_tags(actor)
    segment = get_segment(actor=actor, segment_id=segment_id)
    tag = Tag.objects.filter(pk=tag_id).first() if str(tag_id).isdigit() else None
    if tag is None:
        raise NotFound(_("No such tag."))
    if TagRule.objects.filter(segment=segment, tag=tag).exists():
        raise Conflict(_("This segment already keeps this tag."), code="tag_rule_exists")
    rule = TagRule.objects.create(segment=segment, tag=tag, created_by_id=actor.pk)
    record_audit(
        actor=actor,
        action="create",
        object_type="tag_rule",
        object_id=rule.pk,
        changes={"segment": segment.name, "tag": tag.name},
    )
    apply_rule(rule, actor=actor)
    return rule


def delete_tag_rule(*, actor: MaybeActor, rule_id: Any) -> None:
    """Stop a rule; the tags it gave stay (staff may remove them, or a new rule keep them)."""
    _check_may_keep_tags(actor)
    rule = tag_rules(actor=actor).filter(pk=rule_id).first() if str(rule_id).isdigit() else None
    if rule is None:
        raise NotFound(_("No such tag rule."))
    record_audit(actor=actor, action="delete", object_type="tag_rule", object_id=rule.pk,
                 changes={"segment": rule.segment.name, "tag": rule.tag.name})  # fmt: skip
    rule.delete()


def tag_rules(*, actor: MaybeActor) -> Any:
    """The rules of the segments ``actor`` may see."""
    return TagRule.objects.filter(segment__in=visible_segments(actor)).select_related(
        "segment", "tag"
    )


def ensure_standard_tag_rules(*, actor: User) -> list[TagRule]:
    """The three rules of the seed articles, made (with their segments and tags) if missing."""
    made = []
    for name, description, rules in STANDARD_RULES:
        tag = Tag.objects.filter(name=name, group="").first() or create_tag(
            actor=actor, name=name, colour="#0e7490"
        )
        segment = Segment.objects.filter(name=name).first() or create_segment(
            actor=actor, name=name, rules=rules, description=description, visibility="everyone"
        )
        rule = TagRule.objects.filter(segment=segment, tag=tag).first()
        made.append(rule or create_tag_rule(actor=actor, segment_id=segment.pk, tag_id=tag.pk))
    return made
