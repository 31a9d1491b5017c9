"""What the follow-ups app plugs into: the customer-data registry, the 360 page, the outbox."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from dossier.activity.kinds import QuickAction, TimelineKind, register_kind, register_quick_action
from dossier.core.actors import MaybeActor
from dossier.customers.access import allows, restrict_owned
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.followups.models import Task
from dossier.followups.selectors import tasks_by_id
from dossier.outbox.models import Event
from dossier.outbox.payloads import register_payload
from dossier.protection.disclosure import may_see_personal


def tasks_copy(customer: Customer) -> list[dict[str, Any]]:
    """Follow-ups planned about the customer."""
    return [
        {
            "title": t.title,
            "due_at": t.due_at.isoformat(),
            "status": t.status,
            "done_at": t.done_at.isoformat() if t.done_at else None,
        }
        for t in Task.objects.filter(customer_id=customer.pk).order_by("due_at", "id")
    ]


def task_payload(receiver: MaybeActor, event: Event) -> dict[str, Any] | None:
    """A task as a webhook receiver may see it; its title (it may name the customer) only to
    receivers who may see personal data; None when they may not see the customer."""
    if not str(event.object_id).isdecimal():
        return None
    task = (
        restrict_owned(Task.objects.select_related("assignee"), receiver, "view")
        .filter(pk=int(event.object_id))
        .first()
    )
    if task is None:
        return None
    return {
        "title": task.title if may_see_personal(receiver) else None,
        "status": task.status,
        "due_at": task.due_at.isoformat(),
        "assignee": task.assignee.get_username() if task.assignee else None,
        "cause_kind": task.cause_kind,
        "cause_id": task.cause_id,
        "done_at": task.done_at.isoformat() if task.done_at else None,
    }


def _may_create(actor: MaybeActor, customer: Any) -> bool:
    return allows(actor, customer, "change") and customer.erased_at is None


def register_followup_tables() -> None:
    """Tasks are about the person (titles name them): exported, erased, moved on merge.

    They show on the customer's timeline (kind "task"), the 360 page offers "create a task",
    and ``task.due`` events show the task as :func:`task_payload` says.
    """
    moves = repoint_rows(CustomerData(key="tasks", model=Task))
    register(
        CustomerData(key="tasks", model=Task, export=tasks_copy, erasure="delete", repoint=moves)
    )
    register_kind(
        TimelineKind(
            key="task",
            label=_("Task"),
            template="followups/timeline_entry.html",
            load=tasks_by_id,
        )
    )
    register_quick_action(
        QuickAction(
            key="create_task",
            label=_("Create a task"),
            template="followups/quick_action.html",
            allowed=_may_create,
        )
    )
    register_payload("task", task_payload)
