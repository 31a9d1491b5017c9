"""My tasks page: three sections, done and reopen buttons (htmx), the quick action."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from dossier.activity import kinds as registered
from dossier.activity.models import TimelineEntry
from dossier.activity.selectors import timeline_page
from dossier.customers.access import customer_for
from dossier.followups import services
from dossier.followups.models import Task

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make(owner: User, customer: Any, title: str, hours: float) -> Task:
    due = timezone.now() + timedelta(hours=hours)
    return services.create_task(actor=owner, customer_id=customer.pk, title=title, due_at=due)


def section(html: str, name: str) -> str:
    return html.split(f'id="tasks-{name}"', 1)[1].split("</section>", 1)[0]


def test_my_tasks_shows_three_sections(owner: User, customer: Any) -> None:
    make(owner, customer, "逾期回访", -5)
    make(owner, customer, "下周跟进", 24 * 7)
    html = client_for(owner).get(reverse("followups:my_tasks")).content.decode()
    assert "逾期回访" in section(html, "overdue") and "下周跟进" in section(html, "upcoming")
    assert "逾期回访" not in section(html, "upcoming")
    assert 'data-label="Due"' in html and 'name="viewport"' in html


def test_done_with_htmx_redraws_the_row_and_tells_the_timeline(owner: User, customer: Any) -> None:
    task = make(owner, customer, "回访", 2)
    client = client_for(owner)
    response = client.post(reverse("followups:complete", args=[task.pk]), headers=HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "timeline-changed"
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and f'id="task-{task.pk}"' in html
    assert reverse("followups:reopen", args=[task.pk]) in html
    again = client.post(reverse("followups:complete", args=[task.pk]), headers=HTMX)
    assert "This task is not open." in again.content.decode() and "HX-Trigger" not in again
    plain = client.post(reverse("followups:reopen", args=[task.pk]))
    assert plain.status_code == 302 and plain["Location"] == reverse("followups:my_tasks")
    assert Task.objects.get(pk=task.pk).status == "open"


def test_the_quick_action_creates_a_task(owner: User, customer: Any) -> None:
    url = reverse("followups:create", args=[customer.pk])
    client = client_for(owner)
    assert 'name="due_at"' in client.get(url).content.decode()
    due = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"title": "预约上门安装", "due_at": due}, headers=HTMX)
    assert response.status_code == 200 and response["HX-Trigger"] == "timeline-changed"
    task = Task.objects.get()
    assert (task.title, task.assignee) == ("预约上门安装", owner)
    bad = client.post(url, {"title": "", "due_at": "后天"}, headers=HTMX)
    assert "Title is required." in bad.content.decode() and "HX-Trigger" not in bad
    assert client.post(url, {"title": ""}).status_code == 422
    assert Task.objects.count() == 1


def test_others_are_turned_away(
    owner: User, customer: Any, stranger: User, marketing: User
) -> None:
    task = make(owner, customer, "回访", 2)
    url = reverse("followups:complete", args=[task.pk])
    assert client_for(stranger).post(url).status_code == 404
    assert client_for(marketing).post(url).status_code == 403
    create = reverse("followups:create", args=[customer.pk])
    assert client_for(stranger).get(create).status_code == 404
    assert client_for(marketing).get(create).status_code == 403
    assert Task.objects.get().status == "open"


def test_the_360_page_gets_a_quick_action_and_timeline_entries(
    owner: User, customer: Any, marketing: User
) -> None:
    task = make(owner, customer, "回访王先生", 3)
    loaded = customer_for(owner, customer.pk)
    assert "create_task" in [a.key for a in registered.quick_actions(owner, loaded)]
    assert "create_task" not in [a.key for a in registered.quick_actions(marketing, loaded)]
    page = timeline_page(actor=owner, customer_id=customer.pk, kinds=["task"])
    assert page.rows[("task", str(task.pk))] == task
    kind = registered.kind("task")
    assert kind is not None
    request = RequestFactory().get("/")
    entry = TimelineEntry.objects.get(kind="task", object_id=str(task.pk))
    request.user = owner
    assert "回访王先生" in render_to_string(
        kind.template, {"entry": entry, "row": task}, request=request
    )
    request.user = marketing
    shown = render_to_string(kind.template, {"entry": entry, "row": task}, request=request)
    assert "回访王先生" not in shown and "Follow-up task" in shown
