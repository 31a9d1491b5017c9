"""Role-matrix rows of the tickets app (collected by site/tests/test_role_matrix.py).

Every call is about a ticket of ``world.target(actor)``, made by the admin through the
services; calls that change a ticket get a fresh one, so each actor starts from "new".
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.site.tests.matrix_fixtures import PageCall, World
from dossier.tickets.models import Ticket
from dossier.tickets.services import open_ticket

OK, DENIED, UNSEEN = "2xx", "403", "404"
LOGIN, REDIRECT, PAGE = "login", "302", "200"


def ticket(world: World, actor: str, *, fresh: bool = False) -> Ticket:
    """A ticket about the actor's target customer (the same one, unless ``fresh``)."""
    customer = world.target(actor)
    key = f"tickets:{customer.pk}"
    if fresh or key not in world.made:
        made = open_ticket(
            actor=world.users["admin"],
            customer_id=customer.pk,
            subject="屏幕碎裂",
            description="客户说手机从桌上摔落，屏幕右下角碎裂。",
            priority="high",
        )
        if fresh:
            return made
        world.made[key] = made
    found: Ticket = world.made[key]
    return found


def _owner(world: World, actor: str) -> str:
    owner = world.target(actor).owner
    return owner.get_username() if owner else ""


# admin, manager, sales, service, marketing, analyst, outsider
API: dict[str, tuple[str, ...]] = {
    # marketing sees the member's tickets (description masked) but may not work on them;
    # analysts see no customer at all; the outsider (west) none of east's
    "GET /tickets":                          (OK, OK, OK, OK, OK, DENIED, OK),
    "POST /tickets":                         (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "GET /tickets/{ticket_id}":              (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "POST /tickets/{ticket_id}/transition":  (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "POST /tickets/{ticket_id}/assign":      (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
}  # fmt: skip

API_CALLS: dict[str, Any] = {
    "GET /tickets": lambda w, a: ("/tickets", None),
    "POST /tickets": lambda w, a: (
        "/tickets",
        {"customer_id": str(w.target(a).pk), "subject": "空调不制冷", "priority": "urgent"},
    ),
    "GET /tickets/{ticket_id}": lambda w, a: (f"/tickets/{ticket(w, a).pk}", None),
    "POST /tickets/{ticket_id}/transition": lambda w, a: (
        f"/tickets/{ticket(w, a, fresh=True).pk}/transition",
        {"to": "in_progress", "note": "已联系客户"},
    ),
    "POST /tickets/{ticket_id}/assign": lambda w, a: (
        f"/tickets/{ticket(w, a, fresh=True).pk}/assign",
        {"assignee": _owner(w, a)},
    ),
}


def _transition_page(world: World, actor: str) -> PageCall:
    made = ticket(world, actor, fresh=True)
    return PageCall(
        reverse("tickets:transition", args=[made.pk]),
        {"to": "in_progress", "from_status": "new", "note": ""},
        lambda: Ticket.objects.get(pk=made.pk).status == "in_progress",
    )


def _assign_page(world: World, actor: str) -> PageCall:
    made = ticket(world, actor, fresh=True)
    owner = world.target(actor).owner
    return PageCall(
        reverse("tickets:assign", args=[made.pk]),
        {"assignee": _owner(world, actor)},
        lambda: Ticket.objects.get(pk=made.pk).assignee == owner,
    )


def _create_page(world: World, actor: str) -> PageCall:
    subject = f"页面工单-{actor}"
    return PageCall(
        reverse("tickets:create", args=[world.target(actor).pk]),
        {"subject": subject, "priority": "normal", "description": "退换货"},
        # the subject is encrypted (no lookups): compare the target's subjects once read
        lambda: subject in {t.subject for t in Ticket.objects.filter(customer=world.target(actor))},
    )


# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "GET tickets:list":       (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, DENIED, PAGE),
    "GET tickets:detail":     (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
    "POST tickets:transition": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "POST tickets:assign":    (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "GET tickets:create":     (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, UNSEEN, UNSEEN),
    "POST tickets:create":    (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET tickets:list": lambda w, a: PageCall(reverse("tickets:list")),
    "GET tickets:detail": lambda w, a: PageCall(reverse("tickets:detail", args=[ticket(w, a).pk])),
    "POST tickets:transition": _transition_page,
    "POST tickets:assign": _assign_page,
    "GET tickets:create": lambda w, a: PageCall(reverse("tickets:create", args=[w.target(a).pk])),
    "POST tickets:create": _create_page,
}

PAGE_NAMESPACES = ("tickets",)
