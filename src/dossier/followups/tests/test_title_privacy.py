"""A task's title may name the customer and their affairs: encrypted at rest, shown only to
those who may see personal data; a follow-up goes only to someone who may work on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.followups import services
from dossier.followups.models import Task

pytestmark = pytest.mark.django_db
WORDS = "给张三回电 13800138000，谈离婚后的保单"


def due(hours: float = 2) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


def test_marketing_gets_the_task_but_not_its_title_from_the_api(
    api_as: Callable[..., Any], owner: User, customer: Any, marketing: User
) -> None:
    made = api_as(owner).post(
        "/tasks", {"customer_id": str(customer.pk), "title": WORDS, "due_at": due()}
    )
    assert made.status_code == 201 and made.json()["title"] == WORDS
    assert made.json()["masked"] == []
    shown = api_as(marketing).get(f"/tasks/{made.json()['id']}")
    assert shown.status_code == 200
    assert (shown.json()["title"], shown.json()["masked"]) == (None, ["title"])
    assert "13800138000" not in shown.content.decode()


def test_marketing_lists_and_pages_hold_the_title_back(
    api_as: Callable[..., Any], owner: User, customer: Any, marketing: User
) -> None:
    # a task handed to marketing before follow-ups checked who they go to
    task = services.create_task(actor=owner, customer_id=customer.pk, title=WORDS, due_at=due())
    Task.objects.filter(pk=task.pk).update(assignee=marketing)
    listed = api_as(marketing).get("/tasks").json()["items"]
    assert [(t["id"], t["title"], t["masked"]) for t in listed] == [(task.pk, None, ["title"])]
    client = Client()
    client.force_login(marketing)
    page = client.get(reverse("followups:my_tasks")).content.decode()
    assert f'id="task-{task.pk}"' in page and "13800138000" not in page
    row = client.post(reverse("followups:complete", args=[task.pk]), headers={"HX-Request": "true"})
    assert row.status_code == 403 and "13800138000" not in row.content.decode()


def test_the_owner_sees_the_title_on_the_page(owner: User, customer: Any) -> None:
    services.create_task(actor=owner, customer_id=customer.pk, title=WORDS, due_at=due())
    client = Client()
    client.force_login(owner)
    assert WORDS in client.get(reverse("followups:my_tasks")).content.decode()


def test_the_title_is_encrypted_at_rest(owner: User, customer: Any) -> None:
    task = services.create_task(actor=owner, customer_id=customer.pk, title=WORDS, due_at=due())
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM followups_task WHERE id = %s", [task.pk])
        stored = cursor.fetchone()[0]
    assert stored and "13800138000" not in stored and "张三" not in stored
    assert Task.objects.get(pk=task.pk).title == WORDS


def test_a_follow_up_for_an_owner_who_may_not_work_on_the_customer_goes_to_the_actor(
    make_user: Callable[..., User], make_customer: Callable[..., Any], admin_user: User
) -> None:
    marketer = make_user("zhou.yan", roles.MARKETING, team="east")
    theirs = make_customer(marketer)
    task = services.schedule_follow_up(
        actor=admin_user, customer_id=theirs.pk, title="回访", due_at=due()
    )
    assert task.assignee == admin_user
    made = services.create_task(actor=admin_user, customer_id=theirs.pk, title="回访", due_at=due())
    assert made.assignee == admin_user


def test_a_system_follow_up_nobody_eligible_may_do_stays_unassigned(
    make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> None:
    marketer = make_user("zhou.yan", roles.MARKETING, team="east")
    theirs = make_customer(marketer)
    task = services.schedule_follow_up(
        actor=system_actor("sweep"), customer_id=theirs.pk, title="回访", due_at=due()
    )
    assert task.assignee is None


def test_a_follow_up_for_a_departed_assignee_goes_to_the_actor(
    owner: User, customer: Any, stranger: User
) -> None:
    # named by the calling service, but may not work on the customer (another team)
    task = services.schedule_follow_up(
        actor=owner, customer_id=customer.pk, title="回访", due_at=due(), assignee=stranger.pk
    )
    assert task.assignee == owner
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    nobody = services.schedule_follow_up(
        actor=None, customer_id=customer.pk, title="回访", due_at=due()
    )
    assert nobody.assignee is None


def test_the_owner_gets_the_follow_up_when_they_may_work_on_it(
    owner: User, customer: Any, admin_user: User
) -> None:
    task = services.schedule_follow_up(
        actor=admin_user, customer_id=customer.pk, title="回访", due_at=due()
    )
    assert task.assignee == owner
