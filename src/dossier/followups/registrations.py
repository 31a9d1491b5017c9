"""The follow-ups app's table in the customer-data registry."""

from __future__ import annotations

from typing import Any

from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.followups.models import Task


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


def register_followup_tables() -> None:
    """Tasks are about the person (titles name them): exported, erased, moved on merge."""
    moves = repoint_rows(CustomerData(key="tasks", model=Task))
    register(
        CustomerData(key="tasks", model=Task, export=tasks_copy, erasure="delete", repoint=moves)
    )
