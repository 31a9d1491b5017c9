"""My tasks: overdue, today and upcoming in the shown time zone; only mine, only visible."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.customers.services import delete_customer
from dossier.followups import selectors, services
from dossier.followups.models import Task

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)  # 10:00 in Shanghai
SHANGHAI = timedelta(hours=8)


def at(local: str) -> datetime:
    """A Shanghai wall-clock time as UTC."""
    return datetime.fromisoformat(local).replace(tzinfo=UTC) - SHANGHAI


@pytest.fixture
def tasks(owner: User, customer: Any) -> dict[str, Task]:
    def make(title: str, due: datetime) -> Task:
        return services.create_task(actor=owner, customer_id=customer.pk, title=title, due_at=due)

    made = {
        "yesterday": make("yesterday", at("2026-11-30T18:00")),
        "this morning": make("this morning", at("2026-12-01T09:00")),
        "tonight": make("tonight", at("2026-12-01T23:30")),
        # still 1 December in UTC, but tomorrow in Shanghai
        "after midnight": make("after midnight", at("2026-12-02T00:30")),
        "next week": make("next week", at("2026-12-08T09:00")),
        "done": make("done", at("2026-12-01T11:00")),
    }
    services.complete_task(actor=owner, task_id=made["done"].pk)
    return made


def titles(page: selectors.TaskPage) -> list[str]:
    return [task.title for task in page.items]


def test_sections_split_at_now_and_at_local_midnight(owner: User, tasks: Any) -> None:
    sections = selectors.my_sections(actor=owner, now=NOW)
    assert titles(sections["overdue"]) == ["yesterday", "this morning"]
    assert titles(sections["today"]) == ["tonight"]
    assert titles(sections["upcoming"]) == ["after midnight", "next week"]
    assert titles(selectors.my_tasks(actor=owner, when="done", now=NOW)) == ["done"]
    assert len(selectors.my_tasks(actor=owner, when="open", now=NOW).items) == 5


def test_only_my_tasks_of_customers_i_still_see(
    owner: User,
    customer: Any,
    tasks: Any,
    make_user: Callable[..., User],
    make_customer: Callable[..., Any],
    admin_user: User,
) -> None:
    colleague = make_user("boss2", roles.MANAGER, team="east")
    services.reassign_task(actor=owner, task_id=tasks["tonight"].pk, assignee=colleague)
    assert titles(selectors.my_tasks(actor=owner, when="today", now=NOW)) == []
    assert titles(selectors.my_tasks(actor=colleague, when="today", now=NOW)) == ["tonight"]
    gone = make_customer(owner)
    services.create_task(
        actor=owner, customer_id=gone.pk, title="gone", due_at=at("2026-12-03T09:00")
    )
    delete_customer(actor=admin_user, customer_id=gone.pk)
    assert "gone" not in titles(selectors.my_tasks(actor=owner, when="upcoming", now=NOW))


def test_the_cursor_pages_through_a_section(owner: User, customer: Any) -> None:
    for n in range(7):
        services.create_task(
            actor=owner, customer_id=customer.pk, title=f"t{n}", due_at=at("2026-12-05T09:00")
        )
    seen: list[str] = []
    cursor = None
    while True:
        page = selectors.my_tasks(actor=owner, when="upcoming", cursor=cursor, limit=3, now=NOW)
        seen += titles(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == [f"t{n}" for n in range(7)] and len(seen) == 7
    with pytest.raises(ValidationFailed):
        selectors.my_tasks(actor=owner, cursor="bm9wZQ", now=NOW)


def test_analysts_have_no_task_list(make_user: Callable[..., User]) -> None:
    with pytest.raises(PermissionDenied):
        selectors.my_tasks(actor=make_user("numbers", roles.ANALYST))
