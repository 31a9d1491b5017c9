"""Writing follow-up tasks: by hand, by another service's decision, done, reopened, handed on.

Every write is one transaction: the task, its timeline entry and the audit event together.
``announce_due_tasks`` publishes ``task.due`` once for each open task whose time has come.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.services import record_entry, update_entry
from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import Conflict, NotFound, ValidationFailed
from dossier.core.fields import FieldSpec, validate_values
from dossier.customers.access import customer_for, restrict_owned
from dossier.customers.models import Customer
from dossier.followups.assignees import check_assignee, may_work_on, user_named
from dossier.followups.models import Task
from dossier.outbox.services import publish_many

TIMELINE_KIND = "task"
OBJECT_TYPE = "task"
#: a task's own fields, checked by the same validator as customers' values
TASK_SPECS = [
    FieldSpec("title", "text", "标题", "Title", required=True, rules={"max_length": 200}),
    FieldSpec("due_at", "datetime", "到期时间", "Due", required=True),
]
#: the most tasks one sweep announces (the next sweep takes the rest)
SWEEP_BATCH = 1000


def _summary(task: Task) -> dict[str, Any]:
    return {"status": task.status, "due_at": task.due_at.isoformat(), "cause": task.cause_kind}


def check_task(*, title: Any, due_at: Any) -> tuple[str, datetime]:
    """A task's title and due time, cleaned; every problem at once otherwise (422)."""
    result = validate_values({"title": title, "due_at": due_at}, TASK_SPECS)
    if result.errors:
        raise ValidationFailed(_("The task is not valid."), errors=result.errors)
    return result.clean["title"], result.clean["due_at"]


def _who_does_it(customer_id: Any, assignee: Any, actor: MaybeActor | None) -> User | None:
    """``assignee`` (a user or a user id) if they may work on the customer, else the actor
    if they may, else None (unassigned)."""
    if assignee is not None and not isinstance(assignee, User):
        assignee = User.objects.filter(pk=assignee).first()
    for candidate in (assignee, person(actor)):
        if may_work_on(customer_id=customer_id, user=candidate):
            return candidate
    return None


def schedule_follow_up(
    *,
    actor: MaybeActor | None,
    customer_id: Any,
    title: str,
    due_at: datetime | str,
    assignee: Any = None,
    cause_kind: str = "",
    cause_id: Any = "",
) -> Task:
    """A follow-up another service decided on (after a complaint, a closed ticket …).

    The calling service has already checked the actor may act on the customer; the task
    goes to ``assignee`` or, when none is given, to the customer's owner. When that person
    may not work on the customer (marketing owns it, they left …), it goes to the actor if
    they may, else to nobody: never onto a list whose owner cannot act on it.
    """
    clean_title, clean_due = check_task(title=title, due_at=due_at)
    with transaction.atomic():
        if assignee is None:
            assignee = Customer.objects.filter(pk=customer_id).values_list("owner", flat=True)[0]
        task = Task.objects.create(
            customer_id=customer_id,
            title=clean_title,
            due_at=clean_due,
            assignee=_who_does_it(customer_id, assignee, actor),
            cause_kind=cause_kind,
            cause_id=str(cause_id or ""),
            created_by=person(actor),  # type: ignore[misc]
        )
        record_entry(
            customer_id=customer_id,
            kind=TIMELINE_KIND,
            object_id=task.pk,
            occurred_at=task.created_at,
            summary=_summary(task),
        )
        record_audit(
            actor=actor,
            action="create",
            object_type=OBJECT_TYPE,
            object_id=task.pk,
            customer_id=customer_id,
            changes={"cause": [cause_kind, str(cause_id or "")]} if cause_kind else None,
        )
    return task


def create_task(
    *,
    actor: MaybeActor,
    customer_id: Any,
    title: str,
    due_at: datetime | str,
    assignee: User | str | None = None,
) -> Task:
    """A task typed by staff about a customer they may change (for its owner, or a colleague
    named by user or user name who may work on the customer)."""
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change")
        if customer.erased_at is not None:
            raise Conflict(
                _("This customer's personal data has been erased."), code="customer_erased"
            )
        if isinstance(assignee, str):
            assignee = user_named(assignee)
        if assignee is not None:
            check_assignee(customer_id=customer.pk, user=assignee)
        return schedule_follow_up(
            actor=actor,
            customer_id=customer.pk,
            title=title,
            due_at=due_at,
            assignee=assignee if assignee is not None else customer.owner_id,
        )


def _task_to_change(actor: MaybeActor, task_id: Any) -> Task:
    """The task, locked, if the actor may change its customer: 404 unseen, 403 seen only."""
    seen = restrict_owned(Task.objects.all(), actor, "view").filter(pk=task_id)
    customer_id = seen.values_list("customer_id", flat=True).first()
    if customer_id is None:
        raise NotFound(_("No such task."), code="task_not_found")
    customer_for(actor, customer_id, "change")  # PermissionDenied for who may only look
    return Task.objects.select_for_update().get(pk=task_id)


def _set_status(actor: MaybeActor, task: Task, status: str, done_at: datetime | None) -> Task:
    before = task.status
    task.status = status
    task.done_at = done_at
    task.save(update_fields=["status", "done_at"])
    update_entry(kind=TIMELINE_KIND, object_id=task.pk, summary=_summary(task))
    record_audit(
        actor=actor,
        action="update",
        object_type=OBJECT_TYPE,
        object_id=task.pk,
        customer_id=task.customer_id,
        changes={"status": [before, status]},
    )
    return task


def complete_task(*, actor: MaybeActor, task_id: Any) -> Task:
    """Mark an open task done (a task of a customer the actor may change)."""
    with transaction.atomic():
        task = _task_to_change(actor, task_id)
        if task.status != Task.Status.OPEN:
            raise Conflict(_("This task is not open."), code="task_not_open")
        return _set_status(actor, task, Task.Status.DONE, timezone.now())


def reopen_task(*, actor: MaybeActor, task_id: Any) -> Task:
    """Open a done task again (it was ticked by mistake, or there is more to do)."""
    with transaction.atomic():
        task = _task_to_change(actor, task_id)
        if task.status != Task.Status.DONE:
            raise Conflict(_("Only a done task can be reopened."), code="task_not_done")
        return _set_status(actor, task, Task.Status.OPEN, None)


def reassign_task(*, actor: MaybeActor, task_id: Any, assignee: User | str) -> Task:
    """Hand an open task to a colleague (a user or user name) who may work on its customer."""
    with transaction.atomic():
        task = _task_to_change(actor, task_id)
        if task.status != Task.Status.OPEN:
            raise Conflict(_("This task is not open."), code="task_not_open")
        if isinstance(assignee, str):
            assignee = user_named(assignee)
        check_assignee(customer_id=task.customer_id, user=assignee)
        if task.assignee_id == assignee.pk:
            return task
        before = task.assignee.get_username() if task.assignee else None
        task.assignee = assignee
        task.save(update_fields=["assignee"])
        record_audit(
            actor=actor,
            action="update",
            object_type=OBJECT_TYPE,
            object_id=task.pk,
            customer_id=task.customer_id,
            changes={"assignee": [before, assignee.get_username()]},
        )
    return task


def announce_due_tasks(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Publish ``task.due`` for each open task due by ``now`` not yet announced; how many.

    Each task is announced once (``due_announced_at``, set in the same transaction as the
    events). Sweeps may run at the same time (two workers): on PostgreSQL a sweep skips the
    rows another holds locked and sees them announced once it commits; SQLite runs one write
    transaction at a time (``transaction_mode`` IMMEDIATE), so none is announced twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            Task.objects.select_for_update(skip_locked=True)
            .filter(status=Task.Status.OPEN, due_announced_at__isnull=True, due_at__lte=now)
            .order_by("due_at", "id")
            .values_list("pk", "customer_id", "due_at")[:limit]
        )
        rows = list(due)
        Task.objects.filter(pk__in=[pk for pk, _customer, _due in rows]).update(
            due_announced_at=now
        )
        publish_many(
            actor=None,
            events=[
                {
                    "name": "task.due",
                    "customer_id": customer_id,
                    "object_type": OBJECT_TYPE,
                    "object_id": pk,
                    "data": {"due_at": due_at.isoformat()},
                }
                for pk, customer_id, due_at in rows
            ],
        )
    return len(rows)
