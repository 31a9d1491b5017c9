"""Reading follow-up tasks: one task, and "my tasks" in today / overdue / upcoming."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers.access import may, restrict_owned
from dossier.followups.models import Task
from dossier.followups.paging import decode_cursor, encode_cursor

#: the sections of "my tasks"; "open" is all three, "done" the finished ones
SECTIONS = ("overdue", "today", "upcoming")
WHENS = ("open", *SECTIONS, "done")
MAX_PAGE_SIZE = 200


@dataclass
class TaskPage:
    """One page of tasks; ``next_cursor`` is None on the last page."""

    items: list[Task]
    next_cursor: str | None


def task_for(*, actor: MaybeActor, task_id: Any) -> Task:
    """One task of a customer the actor may see, or NotFound."""
    found = (
        restrict_owned(Task.objects.select_related("assignee", "customer"), actor, "view")
        .filter(pk=task_id)
        .first()
    )
    if found is None:
        raise NotFound(_("No such task."), code="task_not_found")
    return found


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The start of today and of tomorrow in the shown time zone (as aware datetimes)."""
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tomorrow = (start + timedelta(days=1)).replace(tzinfo=None)
    return start, timezone.make_aware(tomorrow, local.tzinfo)


def _section(tasks: QuerySet[Task], when: str, now: datetime) -> QuerySet[Task]:
    if when == "done":
        return tasks.filter(status=Task.Status.DONE)
    tasks = tasks.filter(status=Task.Status.OPEN)
    _today, tomorrow = day_bounds(now)
    if when == "overdue":
        return tasks.filter(due_at__lt=now)
    if when == "today":
        return tasks.filter(due_at__gte=now, due_at__lt=tomorrow)
    if when == "upcoming":
        return tasks.filter(due_at__gte=tomorrow)
    return tasks


def my_tasks(
    *,
    actor: MaybeActor,
    when: str = "open",
    cursor: str | None = None,
    limit: int = 50,
    now: datetime | None = None,
) -> TaskPage:
    """The actor's tasks of one section, soonest due first (done: latest done first).

    Overdue: open and due before now; today: due from now to midnight (the shown time zone);
    upcoming: due after today. Tasks of customers the actor can no longer see are left out.
    """
    if not may(actor, "customers.view_customer"):
        raise PermissionDenied(_("You may not see customers' tasks."))
    now = now or timezone.now()
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    mine = restrict_owned(Task.objects.filter(assignee_id=actor.pk), actor, "view")
    tasks = _section(mine, when, now).select_related("customer")
    if when == "done":
        order: Sequence[str] = ("-done_at", "-id")
        key = "done_at"
    else:
        order = ("due_at", "id")
        key = "due_at"
    if cursor:
        moment, pk = decode_cursor(cursor)
        if when == "done":
            tasks = tasks.filter(Q(done_at__lt=moment) | Q(done_at=moment, id__lt=pk))
        else:
            tasks = tasks.filter(Q(due_at__gt=moment) | Q(due_at=moment, id__gt=pk))
    rows = list(tasks.order_by(*order)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return TaskPage(
        items=rows,
        next_cursor=encode_cursor(getattr(last, key), last.pk) if more and last else None,
    )


def my_sections(
    *, actor: MaybeActor, limit: int = 50, now: datetime | None = None
) -> dict[str, TaskPage]:
    """The "my tasks" page: overdue, today and upcoming, each its first ``limit`` tasks."""
    now = now or timezone.now()
    return {when: my_tasks(actor=actor, when=when, limit=limit, now=now) for when in SECTIONS}


def tasks_by_id(actor: MaybeActor, ids: Sequence[str]) -> dict[str, Task]:
    """The tasks among ``ids`` the actor may see (the timeline draws the others from summary)."""
    numbers = [int(pk) for pk in ids if str(pk).isdecimal()]
    found = restrict_owned(Task.objects.filter(pk__in=numbers), actor, "view")
    return {str(task.pk): task for task in found.select_related("assignee")}
