"""The tasks API: my lists by section, create, complete, reopen, reassign."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.core import roles
from dossier.followups.models import Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as: Callable[..., Any], owner: User) -> Any:
    return api_as(owner)


def due(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def test_create_list_complete_reopen(api: Any, customer: Any) -> None:
    created = api.post(
        "/tasks", {"customer_id": str(customer.pk), "title": "电话回访", "due_at": due(-1)}
    )
    assert created.status_code == 201, created.content
    task = created.json()
    assert (task["status"], task["assignee"], task["cause_kind"]) == ("open", "owner", "")
    assert [t["id"] for t in api.get("/tasks?when=overdue").json()["items"]] == [task["id"]]
    assert api.get("/tasks?when=upcoming").json()["items"] == []
    done = api.post(f"/tasks/{task['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "done"
    twice = api.post(f"/tasks/{task['id']}/complete")
    assert (twice.status_code, twice.json()["code"]) == (409, "task_not_open")
    assert [t["id"] for t in api.get("/tasks?when=done").json()["items"]] == [task["id"]]
    reopened = api.post(f"/tasks/{task['id']}/reopen")
    assert reopened.status_code == 200 and reopened.json()["done_at"] is None
    assert api.post(f"/tasks/{task['id']}/reopen").status_code == 409
    assert api.get(f"/tasks/{task['id']}").json()["status"] == "open"


def test_bad_input_is_422_naming_the_field(api: Any, customer: Any) -> None:
    blank = api.post("/tasks", {"customer_id": str(customer.pk), "title": " ", "due_at": due(1)})
    assert blank.status_code == 422
    assert [(e["field"], e["code"]) for e in blank.json()["errors"]] == [("title", "required")]
    no_due = api.post("/tasks", {"customer_id": str(customer.pk), "title": "x", "due_at": "soon"})
    assert no_due.status_code == 422
    assert api.get("/tasks?when=yesterday").status_code == 422
    unknown = api.post(
        "/tasks",
        {"customer_id": str(customer.pk), "title": "x", "due_at": due(1), "assignee": "nobody"},
    )
    assert unknown.json()["errors"][0]["code"] == "unknown_user"
    assert not Task.objects.exists()


def test_reassign_by_user_name(
    api: Any, customer: Any, make_user: Callable[..., User], stranger: User
) -> None:
    task = api.post(
        "/tasks", {"customer_id": str(customer.pk), "title": "回访", "due_at": due(2)}
    ).json()
    refused = api.post(f"/tasks/{task['id']}/reassign", {"assignee": stranger.username})
    assert refused.status_code == 422
    make_user("boss2", roles.MANAGER, team="east")
    moved = api.post(f"/tasks/{task['id']}/reassign", {"assignee": "boss2"})
    assert moved.status_code == 200 and moved.json()["assignee"] == "boss2"
    assert api.get("/tasks").json()["items"] == []  # no longer mine


def test_strangers_404_marketing_403_read_only_403_and_nothing_changes(
    api: Any,
    api_as: Callable[..., Any],
    customer: Any,
    stranger: User,
    marketing: User,
    owner: User,
) -> None:
    task = api.post(
        "/tasks", {"customer_id": str(customer.pk), "title": "回访", "due_at": due(2)}
    ).json()
    other = api_as(stranger)
    assert other.get(f"/tasks/{task['id']}").status_code == 404
    assert other.post(f"/tasks/{task['id']}/complete").status_code == 404
    body = {"customer_id": str(customer.pk), "title": "x", "due_at": due(2)}
    assert other.post("/tasks", body).status_code == 404
    looker = api_as(marketing)
    assert looker.get(f"/tasks/{task['id']}").status_code == 200
    assert looker.post(f"/tasks/{task['id']}/complete").status_code == 403
    assert looker.post("/tasks", body).status_code == 403
    reader = api_as(owner, scope="read")
    refused = reader.post(f"/tasks/{task['id']}/complete")
    assert (refused.status_code, refused.json()["code"]) == (403, "token_read_only")
    assert reader.post("/tasks", body).status_code == 403
    assert Task.objects.count() == 1 and Task.objects.get().status == "open"
