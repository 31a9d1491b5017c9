"""task.due: each open task is announced once when its time comes (sweep and command)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from dossier.followups import services
from dossier.followups.models import Task
from dossier.outbox.models import Event
from dossier.outbox.payloads import payload_for

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 12, 1, 4, tzinfo=UTC)  # 12:00 in Shanghai


def make(owner: User, customer: Any, title: str, due: datetime) -> Task:
    return services.create_task(actor=owner, customer_id=customer.pk, title=title, due_at=due)


def announced() -> list[str]:
    ids = Event.objects.filter(name="task.due").order_by("id").values_list("object_id", flat=True)
    return [Task.objects.get(pk=int(pk)).title for pk in ids]


def test_the_sweep_announces_each_due_open_task_once(owner: User, customer: Any) -> None:
    make(owner, customer, "past", NOON - timedelta(days=1))
    make(owner, customer, "now", NOON)
    later = make(owner, customer, "later", NOON + timedelta(hours=1))
    done = make(owner, customer, "done", NOON - timedelta(hours=2))
    services.complete_task(actor=owner, task_id=done.pk)
    assert services.announce_due_tasks(now=NOON) == 2
    assert announced() == ["past", "now"]
    assert services.announce_due_tasks(now=NOON) == 0
    assert services.announce_due_tasks(now=NOON + timedelta(minutes=30)) == 0
    assert services.announce_due_tasks(now=NOON + timedelta(hours=1)) == 1
    assert announced() == ["past", "now", "later"]
    assert Task.objects.get(pk=later.pk).due_announced_at == NOON + timedelta(hours=1)
    event = Event.objects.filter(name="task.due").latest("id")
    assert (event.object_type, event.customer_id, event.actor_id) == ("task", customer.pk, None)
    assert event.data == {"due_at": later.due_at.isoformat()}


def test_a_reopened_task_is_not_announced_twice(owner: User, customer: Any) -> None:
    task = make(owner, customer, "once", NOON)
    services.announce_due_tasks(now=NOON)
    services.complete_task(actor=owner, task_id=task.pk)
    services.reopen_task(actor=owner, task_id=task.pk)
    assert services.announce_due_tasks(now=NOON + timedelta(days=1)) == 0
    assert announced() == ["once"]


def test_a_task_done_before_it_fell_due_is_announced_if_reopened_late(
    owner: User, customer: Any
) -> None:
    task = make(owner, customer, "early", NOON)
    services.complete_task(actor=owner, task_id=task.pk)
    assert services.announce_due_tasks(now=NOON) == 0
    services.reopen_task(actor=owner, task_id=task.pk)
    assert services.announce_due_tasks(now=NOON) == 1


def test_a_sweep_takes_a_batch_and_the_next_the_rest(owner: User, customer: Any) -> None:
    for n in range(5):
        make(owner, customer, f"t{n}", NOON - timedelta(minutes=n))
    assert services.announce_due_tasks(now=NOON, limit=3) == 3
    assert services.announce_due_tasks(now=NOON, limit=3) == 2
    assert sorted(announced()) == [f"t{n}" for n in range(5)]
    assert announced()[:3] == ["t4", "t3", "t2"]  # the longest due first


def test_the_command_announces_everything_due(owner: User, customer: Any) -> None:
    make(owner, customer, "a", NOON - timedelta(hours=1))
    make(owner, customer, "b", NOON + timedelta(days=1))
    out = StringIO()
    call_command("tasks", "due", "--now", "2026-12-01T12:00+08:00", stdout=out)
    assert out.getvalue().strip() == "1 task(s) announced as due."
    call_command("tasks", "due", "--now", "2026-12-01T12:00+08:00", stdout=out)
    assert announced() == ["a"]
    with pytest.raises(CommandError, match="zone"):
        call_command("tasks", "due", "--now", "2026-12-01T12:00")
    with pytest.raises(CommandError, match="--now"):
        call_command("tasks", "due", "--now", "tomorrow")


def test_the_payload_shows_the_title_only_to_who_may_see_personal_data(
    owner: User, customer: Any, marketing: User, stranger: User
) -> None:
    make(owner, customer, "回访王先生", NOON)
    services.announce_due_tasks(now=NOON)
    event = Event.objects.get(name="task.due")
    whole = payload_for(owner, event)
    assert whole is not None
    assert whole["object"]["title"] == "回访王先生" and whole["object"]["assignee"] == "owner"
    assert whole["event"] == "task.due" and whole["object"]["type"] == "task"
    masked = payload_for(marketing, event)
    assert masked is not None and masked["object"]["title"] is None
    assert payload_for(stranger, event) is None
