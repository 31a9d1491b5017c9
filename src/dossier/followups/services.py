"""Creating and closing follow-up tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.services import record_entry, update_entry
from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import Conflict, NotFound, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import customer_for, restrict_owned
from dossier.customers.models import Customer
from dossier.followups.models import Task

TIMELINE_KIND = "task"


def _summary(task: Task) -> dict[str, Any]:
    return {"status": task.status, "due_at": task.due_at.isoformat(), "cause": task.cause_kind}


def _check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(
            _("A task needs a title."), errors=[FieldError("required", field="title")]
        )
    if len(title) > 200:
        raise ValidationFailed(
            _("A task's title is too long."),
            errors=[FieldError("max_length", field="title", limit=200)],
        )
    return title


def schedule_follow_up(
    *,
    actor: MaybeActor | None,
    customer_id: Any,
    title: str,
    due_at: datetime,
    assignee: Any = None,
    cause_kind: str = "",
    cause_id: Any = "",
) -> Task:
    """A follow-up another service decided on (after a complaint, a closed ticket …).

    The calling service has already checked the actor may act on the customer; the task
    goes to ``assignee`` or, when none is given, to the customer's owner.
    """
    with transaction.atomic():
        if assignee is None:
            assignee = Customer.objects.filter(pk=customer_id).values_list("owner", flat=True)[0]
        task = Task.objects.create(
            customer_id=customer_id,
            title=_check_title(title),
            due_at=due_at,
            assignee_id=getattr(assignee, "pk", assignee),
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
            object_type="task",
            object_id=task.pk,
            customer_id=customer_id,
        )
    return task


def create_task(
    *,
    actor: MaybeActor,
    customer_id: Any,
    title: str,
    due_at: datetime,
    assignee: Any = None,
) -> Task:
    """A task typed by staff about a customer they may change."""
    customer = customer_for(actor, customer_id, "change")
    return schedule_follow_up(
        actor=actor,
        customer_id=customer.pk,
        title=title,
        due_at=due_at,
        assignee=assignee if assignee is not None else customer.owner_id,
    )


def complete_task(*, actor: MaybeActor, task_id: Any) -> Task:
    """Mark an open task done (a task of a customer the actor may change)."""
    with transaction.atomic():
        task = (
            restrict_owned(Task.objects.select_for_update(), actor, "change")
            .filter(pk=task_id)
            .first()
        )
        if task is None:
            raise NotFound(_("No such task."), code="task_not_found")
        if task.status != Task.Status.OPEN:
            raise Conflict(_("This task is not open."), code="task_not_open")
        task.status = Task.Status.DONE
        task.done_at = timezone.now()
        task.save(update_fields=["status", "done_at"])
        update_entry(kind=TIMELINE_KIND, object_id=task.pk, summary=_summary(task))
        record_audit(
            actor=actor,
            action="update",
            object_type="task",
            object_id=task.pk,
            customer_id=task.customer_id,
            changes={"status": ["open", "done"]},
        )
    return task
