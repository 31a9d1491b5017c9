"""Follow-up tasks: made by hand or by another service, closed once, seen on the timeline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from dossier.activity.models import TimelineEntry
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.followups import services
from dossier.followups.models import Task

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user("owner", roles.SALES, team="east")


@pytest.fixture
def customer(owner: Any, make_customer: Any) -> Any:
    return make_customer(owner)


def test_a_task_goes_to_the_owner_and_onto_the_timeline(owner: Any, customer: Any) -> None:
    task = services.create_task(actor=owner, customer_id=customer.pk, title="回访", due_at=DUE)
    assert task.assignee == owner
    entry = TimelineEntry.objects.get(kind="task", object_id=str(task.pk))
    assert entry.summary["status"] == "open"


def test_done_once_then_conflict(owner: Any, customer: Any) -> None:
    task = services.create_task(actor=owner, customer_id=customer.pk, title="回访", due_at=DUE)
    services.complete_task(actor=owner, task_id=task.pk)
    assert Task.objects.get(pk=task.pk).status == "done"
    entry = TimelineEntry.objects.get(kind="task", object_id=str(task.pk))
    assert entry.summary["status"] == "done"
    with pytest.raises(Conflict):
        services.complete_task(actor=owner, task_id=task.pk)


def test_a_blank_title_names_the_field(owner: Any, customer: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_task(actor=owner, customer_id=customer.pk, title="  ", due_at=DUE)
    assert [(e.field, e.code) for e in caught.value.errors] == [("title", "required")]
    assert not Task.objects.exists()


def test_others_can_neither_create_nor_close(owner: Any, customer: Any, make_user: Any) -> None:
    stranger = make_user("stranger", roles.SALES, team="west")
    with pytest.raises(NotFound):
        services.create_task(actor=stranger, customer_id=customer.pk, title="x", due_at=DUE)
    task = services.create_task(actor=owner, customer_id=customer.pk, title="回访", due_at=DUE)
    with pytest.raises(NotFound):
        services.complete_task(actor=stranger, task_id=task.pk)
    manager = make_user("boss", roles.MANAGER, team="east")
    services.complete_task(actor=manager, task_id=task.pk)  # the team's manager may
    analyst = make_user("numbers", roles.ANALYST)
    with pytest.raises((NotFound, PermissionDenied)):
        services.create_task(actor=analyst, customer_id=customer.pk, title="x", due_at=DUE)
