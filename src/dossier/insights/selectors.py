"""Reading segments and counting their customers, as each role may.

Staff count and list only the customers they may see (``customers.access.restrict``), so a
segment never reveals who is outside one's reach. Analysts see no customer: they count over
all of them, and a count under :data:`SMALL_GROUP` is suppressed (shown as "< 5"), since a
count of one or two with narrow rules points at a person.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields.base import FieldError
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.customers.selectors import customer_names
from dossier.insights.compiler import Moment, compile_rules
from dossier.insights.models import Segment
from dossier.insights.rules import All, AnyOf, Condition, Node, Not, parse_rules
from dossier.protection.disclosure import may_see_personal

#: counts below this are not shown to those who see aggregates only
SMALL_GROUP = 5


@dataclass(frozen=True)
class SegmentCount:
    """A segment's size as one viewer may know it: ``count`` is None when suppressed."""

    count: int | None
    suppressed: bool
    aggregates_only: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "suppressed": self.suppressed,
            "shown": f"< {SMALL_GROUP}" if self.suppressed else f"{self.count:,}",
        }


def now_moment() -> Moment:
    """The present, in the business's time zone (where a day starts)."""
    return Moment(now=timezone.now(), tz=ZoneInfo(settings.TIME_ZONE))


def may_use_segments(actor: MaybeActor | None) -> bool:
    return may(actor, "insights.view_segment")


def aggregates_only(actor: MaybeActor | None) -> bool:
    """Whether ``actor`` sees counts but no customer (analysts)."""
    return not may(actor, "customers.view_customer")


def conditions(node: Node) -> list[tuple[str, Condition]]:
    """Every condition of the tree with its path (for naming one in an error)."""
    found: list[tuple[str, Condition]] = []

    def walk(at: Node, path: str) -> None:
        if isinstance(at, All | AnyOf):
            key = "all" if isinstance(at, All) else "any"
            for i, child in enumerate(at.children):
                walk(child, f"{path}.{key}[{i}]")
        elif isinstance(at, Not):
            walk(at.child, f"{path}.not")
        else:
            found.append((path, at))

    walk(node, "rules")
    return found


def checked_rules(actor: MaybeActor | None, data: Any) -> Node:
    """The rule tree of ``data``, refused when it tests something the actor may not see.

    Exact phones and e-mails (through the blind index) only for those who see personal data
    whole; never for aggregate-only viewers, whose counts must not confirm a value.
    """
    if not may_use_segments(actor):
        raise PermissionDenied(_("You may not use segments."))
    node = parse_rules(data)
    errors = [
        FieldError("rule_not_allowed", field=path, label=path, value=c.field)
        for path, c in conditions(node)
        if c.rule_field.source == "identifier"
        and (aggregates_only(actor) or not may_see_personal(actor))
    ]
    if errors:
        raise ValidationFailed(_("The segment's rules are not valid."), errors=errors)
    return node


def live_customers() -> QuerySet[Customer]:
    """Customers a segment may hold: not deleted, not erased."""
    return Customer.objects.filter(deleted_at__isnull=True, erased_at__isnull=True)


def matching(
    node: Node, *, base: QuerySet[Customer] | None = None, moment: Moment | None = None
) -> QuerySet[Customer]:
    """The customers of ``base`` (all live ones) that the rule tree describes: one query."""
    rows = live_customers() if base is None else base
    return rows.filter(compile_rules(node, moment=moment or now_moment()))


def count_rules(*, actor: MaybeActor, rules: Any) -> SegmentCount:
    """How many customers the rules describe, as ``actor`` may know it.

    Aggregate-only viewers get counts under 5 suppressed and the others rounded to a multiple
    of 5: two counts differing by one customer ("Shanghai" and "Shanghai but not X Corp")
    would otherwise tell who works at X Corp. Rounding blunts such differencing; it does not
    make it impossible, which is why these viewers never see identifiers at all.
    """
    node = checked_rules(actor, rules)
    if aggregates_only(actor):
        count = bounded_count(matching(node))
        suppressed = 0 < count < SMALL_GROUP
        rounded = SMALL_GROUP * round(count / SMALL_GROUP)
        return SegmentCount(None if suppressed else rounded, suppressed, True)
    base = restrict(live_customers(), actor, "view")
    return SegmentCount(bounded_count(matching(node, base=base)), False, False)


#: how long one segment count may hold PostgreSQL (a live count runs on every keystroke)
COUNT_TIMEOUT_MS = 15_000
#: the count's own planner settings on PostgreSQL, for that statement only: a window rule
#: groups up to a million index entries, which spill to disk in the default 4 MB of memory,
#: and compiling the plan to machine code (JIT) costs more than it saves on a one-second count
COUNT_SETTINGS = {"work_mem": "64MB", "jit": "off"}


def bounded_count(customers: QuerySet[Customer]) -> int:
    """``customers.count()``; on PostgreSQL given at most :data:`COUNT_TIMEOUT_MS` (and
    :data:`COUNT_SETTINGS`), and a rule that takes longer is refused (a user's rule must not
    hold the database for everyone)."""
    if connection.vendor != "postgresql":
        return customers.count()
    try:
        with transaction.atomic(), count_settings():
            return customers.count()
    except OperationalError as error:
        if "statement timeout" not in str(error):
            raise
        raise ValidationFailed(
            _("The segment's rules are not valid."),
            errors=[
                FieldError(
                    "rule_too_slow", field="rules", label="rules", seconds=COUNT_TIMEOUT_MS // 1000
                )
            ],
        ) from None


@contextmanager
def count_settings() -> Iterator[None]:
    """Within a transaction on PostgreSQL: the count's timeout and planner settings, and the
    caller's own put back after (SET LOCAL outlives a released savepoint)."""
    wanted = {"statement_timeout": str(COUNT_TIMEOUT_MS), **COUNT_SETTINGS}
    with connection.cursor() as cursor:
        names = list(wanted)
        cursor.execute("SELECT " + ", ".join("current_setting(%s)" for _ in names), names)
        before = dict(zip(names, cursor.fetchone(), strict=True))
        _set_local(cursor, wanted)
    yield
    with connection.cursor() as cursor:
        _set_local(cursor, before)


def _set_local(cursor: Any, values: dict[str, str]) -> None:
    names = list(values)
    cursor.execute(
        "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
        [v for name in names for v in (name, values[name])],
    )


def segment_customers(*, actor: MaybeActor, segment: Segment) -> QuerySet[Customer]:
    """The segment's customers that ``actor`` may see (none for aggregate-only viewers)."""
    if aggregates_only(actor):
        raise PermissionDenied(_("Your role sees counts only, not the customers of a segment."))
    node = checked_rules(actor, segment.rules)
    return matching(node, base=restrict(live_customers(), actor, "view"))


def in_segment(
    customers: QuerySet[Customer], *, actor: MaybeActor, segment_id: Any, moment: Moment
) -> QuerySet[Customer]:
    """``customers`` (already restricted to what ``actor`` may see or export) narrowed to the
    live members of a segment the actor may see; refused to aggregate-only viewers."""
    segment = get_segment(actor=actor, segment_id=segment_id)
    if aggregates_only(actor):
        raise PermissionDenied(_("Your role sees counts only, not the customers of a segment."))
    node = checked_rules(actor, segment.rules)
    live = customers.filter(deleted_at__isnull=True, erased_at__isnull=True)
    return matching(node, base=live, moment=moment)


def visible_segments(actor: MaybeActor | None) -> QuerySet[Segment]:
    """The segments ``actor`` may see: their own, their team's shared ones, everyone's."""
    if not may_use_segments(actor):
        return Segment.objects.none()
    if actor is not None and (actor.is_superuser or role_of_cached(actor) == roles.ADMIN):
        return Segment.objects.all()
    shown = Q(owner_id=getattr(actor, "pk", None)) | Q(visibility=Segment.Visibility.EVERYONE)
    team_id = team_id_of(actor)
    if team_id is not None:
        shown |= Q(visibility=Segment.Visibility.TEAM, team_id=team_id)
    return Segment.objects.filter(shown).select_related("owner")


def get_segment(*, actor: MaybeActor, segment_id: Any) -> Segment:
    """One segment ``actor`` may see, or NotFound."""
    try:
        return visible_segments(actor).get(pk=int(segment_id))
    except (Segment.DoesNotExist, ValueError, TypeError, OverflowError):
        raise NotFound(_("No such segment.")) from None


def may_change_segment(actor: MaybeActor, segment: Segment) -> bool:
    """The owner changes their segment; a manager their team's; an administrator any."""
    if not may(actor, "insights.change_segment"):
        return False
    if actor.is_superuser or role_of_cached(actor) == roles.ADMIN:
        return True
    if segment.owner_id == actor.pk:
        return True
    return role_of_cached(actor) == roles.MANAGER and segment.team_id == team_id_of(actor)


def checked_may_use(actor: MaybeActor | None) -> None:
    """PermissionDenied unless ``actor`` may use segments."""
    if not may_use_segments(actor):
        raise PermissionDenied(_("You may not use segments."))


def _row(actor: MaybeActor, segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "visibility": segment.visibility,
        "rules": segment.rules,
        "owner": segment.owner.get_username(),
        "last_count": segment.last_count if not _suppress(actor, segment.last_count) else None,
        "last_counted_at": segment.last_counted_at,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "may_change": may_change_segment(actor, segment),
    }


def _suppress(actor: MaybeActor, count: int | None) -> bool:
    return aggregates_only(actor) and count is not None and 0 < count < SMALL_GROUP


def segment_rows(*, actor: MaybeActor) -> list[dict[str, Any]]:
    """The segments ``actor`` may see, as the list and the API show them."""
    checked_may_use(actor)
    return [_row(actor, s) for s in visible_segments(actor).select_related("owner")]


def segment_row(*, actor: MaybeActor, segment_id: Any) -> dict[str, Any]:
    """One segment as the API shows it."""
    return _row(actor, get_segment(actor=actor, segment_id=segment_id))


def segment_customer_page(
    *, actor: MaybeActor, segment_id: Any, cursor: Any = None, limit: int = 100
) -> dict[str, Any]:
    """A page of the segment's customers ``actor`` may see: ids and names (masked), newest first."""
    segment = get_segment(actor=actor, segment_id=segment_id)
    rows = segment_customers(actor=actor, segment=segment).order_by("-id")
    if cursor is not None:
        rows = rows.filter(id__lt=cursor)
    page = list(rows.values_list("id", flat=True)[: limit + 1])
    names = customer_names(actor=actor, customer_ids=page[:limit])
    items = [{"id": str(pk), "name": names.get(str(pk), "")} for pk in page[:limit]]
    return {"items": items, "next_cursor": str(page[limit - 1]) if len(page) > limit else None}
