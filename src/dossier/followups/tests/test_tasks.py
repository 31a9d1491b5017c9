"""Follow-up tasks: made by hand or by another service, done, reopened, handed on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.activity.models import TimelineEntry
from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.followups import services
from dossier.followups.models import Task

pytestmark = pytest.mark.django_db

DUE = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.fixture
def task(owner: User, customer: Any) -> Task:
    return services.create_task(actor=owner, customer_id=customer.pk, title="回访", due_at=DUE)


def test_a_task_goes_to_the_owner_and_onto_the_timeline(owner: User, task: Task) -> None:
    assert task.assignee == owner and task.created_by == owner
    entry = TimelineEntry.objects.get(kind="task", object_id=str(task.pk))
    assert entry.summary == {"status": "open", "due_at": DUE.isoformat(), "cause": ""}


def test_a_due_time_may_be_typed_in_the_shown_zone(owner: User, customer: Any) -> None:
    task = services.create_task(
        actor=owner, customer_id=customer.pk, title="回访", due_at="2026-12-01T17:00"
    )
    assert task.due_at == DUE  # 17:00 in Shanghai is 09:00 UTC


def test_done_once_then_conflict(owner: User, task: Task) -> None:
    services.complete_task(actor=owner, task_id=task.pk)
    stored = Task.objects.get(pk=task.pk)
    assert stored.status == "done" and stored.done_at is not None
    entry = TimelineEntry.objects.get(kind="task", object_id=str(task.pk))
    assert entry.summary["status"] == "done"
    with pytest.raises(Conflict) as caught:
        services.complete_task(actor=owner, task_id=task.pk)
    assert caught.value.code == "task_not_open"


def test_reopen_only_a_done_task(owner: User, task: Task) -> None:
    with pytest.raises(Conflict) as caught:
        services.reopen_task(actor=owner, task_id=task.pk)
    assert caught.value.code == "task_not_done"
    services.complete_task(actor=owner, task_id=task.pk)
    reopened = services.reopen_task(actor=owner, task_id=task.pk)
    assert (reopened.status, reopened.done_at) == ("open", None)
    assert (
        TimelineEntry.objects.get(kind="task", object_id=str(task.pk)).summary["status"] == "open"
    )
    Task.objects.filter(pk=task.pk).update(status="cancelled")
    with pytest.raises(Conflict):
        services.reopen_task(actor=owner, task_id=task.pk)
    with pytest.raises(Conflict):
        services.complete_task(actor=owner, task_id=task.pk)
    changes = list(
        AuditEvent.objects.filter(object_type="task", action="update")
        .order_by("id")
        .values_list("changes", flat=True)
    )
    assert changes == [{"status": ["open", "done"]}, {"status": ["done", "open"]}]


def test_every_bad_field_at_once(owner: User, customer: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_task(actor=owner, customer_id=customer.pk, title="  ", due_at="明天")
    assert {(e.field, e.code) for e in caught.value.errors} == {
        ("title", "required"),
        ("due_at", "invalid_datetime"),
    }
    with pytest.raises(ValidationFailed) as long:
        services.create_task(actor=owner, customer_id=customer.pk, title="x" * 201, due_at=DUE)
    assert [(e.field, e.code) for e in long.value.errors] == [("title", "too_long")]
    assert "at most 200 characters" in long.value.errors[0].message("en")
    assert not Task.objects.exists()


def test_strangers_get_not_found_and_marketing_may_not(
    owner: User,
    customer: Any,
    task: Task,
    stranger: User,
    marketing: User,
    make_user: Callable[..., User],
) -> None:
    for change in (services.complete_task, services.reopen_task):
        with pytest.raises(NotFound):
            change(actor=stranger, task_id=task.pk)
        with pytest.raises(PermissionDenied):
            change(actor=marketing, task_id=task.pk)
    with pytest.raises(NotFound):
        services.create_task(actor=stranger, customer_id=customer.pk, title="x", due_at=DUE)
    with pytest.raises(PermissionDenied):
        services.create_task(actor=marketing, customer_id=customer.pk, title="x", due_at=DUE)
    with pytest.raises(NotFound):
        services.reassign_task(actor=stranger, task_id=task.pk, assignee="nobody")
    analyst = make_user("numbers", roles.ANALYST)
    with pytest.raises(NotFound):
        services.create_task(actor=analyst, customer_id=customer.pk, title="x", due_at=DUE)
    assert Task.objects.count() == 1 and Task.objects.get().status == "open"
    manager = make_user("boss2", roles.MANAGER, team="east")
    services.complete_task(actor=manager, task_id=task.pk)  # the team's manager may


def test_reassign_to_a_colleague_who_may_work_on_the_customer(
    owner: User,
    task: Task,
    stranger: User,
    marketing: User,
    make_user: Callable[..., User],
) -> None:
    for who in (stranger, marketing, "stranger"):
        with pytest.raises(ValidationFailed) as caught:
            services.reassign_task(actor=owner, task_id=task.pk, assignee=who)
        assert caught.value.errors[0].code == "assignee_not_eligible"
    with pytest.raises(ValidationFailed) as unknown:
        services.reassign_task(actor=owner, task_id=task.pk, assignee="nobody")
    assert [(e.field, e.code) for e in unknown.value.errors] == [("assignee", "unknown_user")]
    manager = make_user("boss2", roles.MANAGER, team="east")
    assert (
        services.reassign_task(actor=owner, task_id=task.pk, assignee="boss2").assignee == manager
    )
    audit = AuditEvent.objects.filter(object_type="task").latest("id")
    assert audit.changes == {"assignee": ["owner", "boss2"]}
    services.complete_task(actor=owner, task_id=task.pk)
    with pytest.raises(Conflict):
        services.reassign_task(actor=owner, task_id=task.pk, assignee=owner)


def test_create_for_a_colleague_checks_them(owner: User, customer: Any, stranger: User) -> None:
    with pytest.raises(ValidationFailed):
        services.create_task(
            actor=owner, customer_id=customer.pk, title="x", due_at=DUE, assignee=stranger
        )
    assert not Task.objects.exists()


def test_an_erased_customer_gets_no_new_task(owner: User, customer: Any) -> None:
    type(customer).objects.filter(pk=customer.pk).update(erased_at=timezone.now())
    with pytest.raises(Conflict):
        services.create_task(actor=owner, customer_id=customer.pk, title="x", due_at=DUE)


def test_a_follow_up_scheduled_by_another_service_names_its_cause(
    owner: User, customer: Any
) -> None:
    task = services.schedule_follow_up(
        actor=owner,
        customer_id=customer.pk,
        title="投诉回访",
        due_at=DUE,
        cause_kind="feedback",
        cause_id=42,
    )
    assert (task.assignee, task.cause_kind, task.cause_id) == (owner, "feedback", "42")
    assert AuditEvent.objects.get(object_type="task").changes == {"cause": ["feedback", "42"]}
