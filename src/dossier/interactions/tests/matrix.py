"""The role matrix's rows for interactions (collected by site/tests/test_role_matrix.py).

Interactions follow their customer: those who may change the customer log, read, correct and
delete them (admins, the team's manager, the owner, a colleague it is shared with); marketing
sees shared customers but reads no notes (403); analysts and other teams see no customer (404).
"""

from __future__ import annotations

from itertools import count
from typing import Any

from django.urls import reverse

from dossier.interactions.models import Interaction
from dossier.interactions.services import log_interaction
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
LOGIN, REDIRECT = "login", "302"
BY_CUSTOMER = (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN)
_serial = count(1)


def _interaction(world: World, actor: str, *, fresh: bool = False) -> Interaction:
    """An interaction of the actor's target customer (a throwaway one for destructive calls)."""
    customer = world.target(actor)
    key = f"interaction:{customer.pk}"
    if fresh or key not in world.made:
        row = log_interaction(
            actor=world.users["admin"],
            customer_id=customer.pk,
            channel="phone",
            direction="inbound",
            subject="咨询退货",
            notes="矩阵测试通话",
        )
        if fresh:
            return row
        world.made[key] = row
    found: Interaction = world.made[key]
    return found


def _body(world: World, actor: str) -> dict[str, Any]:
    return {
        "customer_id": str(world.target(actor).pk),
        "channel": "phone",
        "direction": "outbound",
        "notes": f"矩阵-{actor}",
    }


API: dict[str, tuple[str, ...]] = {
    "POST /interactions": BY_CUSTOMER,
    "GET /interactions": BY_CUSTOMER,
    "GET /interactions/{interaction_id}": BY_CUSTOMER,
    "PATCH /interactions/{interaction_id}": BY_CUSTOMER,
    "DELETE /interactions/{interaction_id}": BY_CUSTOMER,
}

API_CALLS: dict[str, Any] = {
    "POST /interactions": lambda w, a: ("/interactions", _body(w, a)),
    "GET /interactions": lambda w, a: (f"/interactions?customer_id={w.target(a).pk}", None),
    "GET /interactions/{interaction_id}": lambda w, a: (
        f"/interactions/{_interaction(w, a).pk}",
        None,
    ),
    "PATCH /interactions/{interaction_id}": lambda w, a: (
        f"/interactions/{_interaction(w, a).pk}",
        {"outcome": "resolved"},
    ),
    "DELETE /interactions/{interaction_id}": lambda w, a: (
        f"/interactions/{_interaction(w, a, fresh=True).pk}",
        None,
    ),
}


def _quick(name: str, data: dict[str, str]) -> Any:
    def call(world: World, actor: str) -> PageCall:
        customer = world.target(actor)
        text = f"矩阵页面{next(_serial)}"

        def done() -> bool:
            # the notes are encrypted: no query can compare them, so they are read back
            rows = Interaction.objects.filter(customer_id=customer.pk)
            return any(row.notes == text for row in rows)

        return PageCall(reverse(name, args=[customer.pk]), {**data, "notes": text}, done)

    return call


PAGES: dict[str, tuple[str, ...]] = {
    "POST interactions:log_call": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "POST interactions:add_note": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "POST interactions:log_call": _quick(
        "interactions:log_call", {"channel": "phone", "direction": "inbound"}
    ),
    "POST interactions:add_note": _quick("interactions:add_note", {}),
}

PAGE_NAMESPACES = ("interactions",)
