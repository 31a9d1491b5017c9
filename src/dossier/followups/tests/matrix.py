"""Role-matrix rows of the follow-ups app (collected by site/tests/test_role_matrix.py).

Every call is about a task on ``world.target(actor)``, made by the admin through the
services for the customer's owner; calls that change a task get a fresh one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dossier.followups.models import Task
from dossier.followups.services import complete_task, create_task
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
LOGIN, REDIRECT, PAGE = "login", "302", "200"


def task(world: World, actor: str, *, fresh: bool = False, done: bool = False) -> Task:
    """A task about the actor's target customer (the same one, unless ``fresh``)."""
    customer = world.target(actor)
    key = f"tasks:{customer.pk}"
    if fresh or key not in world.made:
        made = create_task(
            actor=world.users["admin"],
            customer_id=customer.pk,
            title="回访：确认维修结果",
            due_at=timezone.now() + timedelta(days=1),
        )
        if done:
            made = complete_task(actor=world.users["admin"], task_id=made.pk)
        if fresh:
            return made
        world.made[key] = made
    found: Task = world.made[key]
    return found


def _owner(world: World, actor: str) -> str:
    owner = world.target(actor).owner
    return owner.get_username() if owner else ""


# admin, manager, sales, service, marketing, analyst, outsider
API: dict[str, tuple[str, ...]] = {
    # everyone with customers has a task list (their own); analysts have no customers
    "GET /tasks":                        (OK, OK, OK, OK, OK, DENIED, OK),
    "POST /tasks":                       (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "GET /tasks/{task_id}":              (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "POST /tasks/{task_id}/complete":    (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "POST /tasks/{task_id}/reopen":      (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "POST /tasks/{task_id}/reassign":    (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
}  # fmt: skip

API_CALLS: dict[str, Any] = {
    "GET /tasks": lambda w, a: ("/tasks?when=open", None),
    "POST /tasks": lambda w, a: (
        "/tasks",
        {
            "customer_id": str(w.target(a).pk),
            "title": "电话回访",
            "due_at": (timezone.now() + timedelta(days=2)).isoformat(),
        },
    ),
    "GET /tasks/{task_id}": lambda w, a: (f"/tasks/{task(w, a).pk}", None),
    "POST /tasks/{task_id}/complete": lambda w, a: (
        f"/tasks/{task(w, a, fresh=True).pk}/complete",
        {},
    ),
    "POST /tasks/{task_id}/reopen": lambda w, a: (
        f"/tasks/{task(w, a, fresh=True, done=True).pk}/reopen",
        {},
    ),
    "POST /tasks/{task_id}/reassign": lambda w, a: (
        f"/tasks/{task(w, a, fresh=True).pk}/reassign",
        {"assignee": _owner(w, a)},
    ),
}


def _status_page(name: str, *, done: bool, after: str) -> Any:
    def build(world: World, actor: str) -> PageCall:
        made = task(world, actor, fresh=True, done=done)
        return PageCall(
            reverse(name, args=[made.pk]),
            {},
            lambda: Task.objects.get(pk=made.pk).status == after,
        )

    return build


def _create_page(world: World, actor: str) -> PageCall:
    title = f"页面任务-{actor}"
    due = timezone.localtime() + timedelta(days=1)
    return PageCall(
        reverse("followups:create", args=[world.target(actor).pk]),
        {"title": title, "due_at": due.strftime("%Y-%m-%dT%H:%M")},
        # the title is encrypted (no lookups): compare the target's titles once read
        lambda: title in {t.title for t in Task.objects.filter(customer=world.target(actor))},
    )


# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "GET followups:my_tasks":    (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, DENIED, PAGE),
    "POST followups:complete":   (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "POST followups:reopen":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "GET followups:create":      (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, UNSEEN, UNSEEN),
    "POST followups:create":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET followups:my_tasks": lambda w, a: PageCall(reverse("followups:my_tasks")),
    "POST followups:complete": _status_page("followups:complete", done=False, after="done"),
    "POST followups:reopen": _status_page("followups:reopen", done=True, after="open"),
    "GET followups:create": lambda w, a: PageCall(
        reverse("followups:create", args=[w.target(a).pk])
    ),
    "POST followups:create": _create_page,
}

PAGE_NAMESPACES = ("followups",)
