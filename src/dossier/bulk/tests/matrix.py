"""The bulk actions' rows of the role matrix (collected by site/tests/test_role_matrix.py).

Those who may change customers (admin, manager, sales, service) start tag actions; each
customer is then checked on its own, so an outsider's action is recorded with its customers
reported not found. A bulk action is followed and undone by its author, an admin or a manager
of the author's team; nobody else learns it exists (404). Owner changes follow the core's
rule (admins to anyone, managers within the team, others 403); sharing needs the right to
change the customer. Columns: admin, manager, sales, service, marketing, analyst, outsider
(pages: anonymous first).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.bulk.models import BulkAction
from dossier.bulk.services import start_bulk_action
from dossier.customers.models import CustomerShare
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
LOGIN, REDIRECT, PAGE = "login", "302", "200"
CHANGERS = (OK, OK, OK, OK, DENIED, DENIED, OK)
OVERSEERS = (OK, OK, OK, UNSEEN, UNSEEN, UNSEEN, UNSEEN)

API: dict[str, tuple[str, ...]] = {
    "POST /bulk-actions":                  CHANGERS,
    "GET /bulk-actions/{bulk_id}":         OVERSEERS,
    "POST /bulk-actions/{bulk_id}/undo":   OVERSEERS,
}  # fmt: skip


def sales_action(world: World) -> BulkAction:
    """A fresh tag added by east's sales user to its own customer."""
    return start_bulk_action(
        actor=world.users["sales"],
        action="add_tag",
        parameters={"tag": world.fresh_tag().pk},
        ids=[str(world.estate.pk)],
    )


def _shared_action(world: World) -> BulkAction:
    if "bulk" not in world.made:
        world.made["bulk"] = sales_action(world)
    found: BulkAction = world.made["bulk"]
    return found


API_CALLS: dict[str, Any] = {
    "POST /bulk-actions": lambda w, a: (
        "/bulk-actions",
        {"action": "add_tag", "parameters": {"tag": w.tag.pk}, "ids": [str(w.target(a).pk)]},
    ),
    "GET /bulk-actions/{bulk_id}": lambda w, a: (f"/bulk-actions/{_shared_action(w).pk}", None),
    "POST /bulk-actions/{bulk_id}/undo": lambda w, a: (
        f"/bulk-actions/{sales_action(w).pk}/undo",
        None,
    ),
}


def _start_page(world: World, actor: str) -> PageCall:
    user = world.users[actor]
    before = BulkAction.objects.filter(actor=user).count()
    return PageCall(
        reverse("bulk:start"),
        {"action": "add_tag", "bulk_tag": str(world.tag.pk), "ids": [str(world.target(actor).pk)]},
        lambda: BulkAction.objects.filter(actor=user).count() > before,
    )


def _undo_page(world: World, actor: str) -> PageCall:
    bulk = sales_action(world)
    return PageCall(
        reverse("bulk:undo", args=[bulk.pk]),
        {},
        lambda: BulkAction.objects.get(pk=bulk.pk).undone_at is not None,
    )


def _download_page(world: World, actor: str) -> PageCall:
    # an export by the actor where they may export, else by east's manager
    author = actor if actor in ("admin", "manager", "marketing") else "manager"
    bulk = start_bulk_action(
        actor=world.users[author], action="export", ids=[str(world.target(actor).pk)]
    )
    return PageCall(reverse("bulk:download", args=[bulk.pk]))


def _owner_page(world: World, actor: str) -> PageCall:
    customer = world.fresh_customer(actor)
    manager = world.users["manager"]
    return PageCall(
        reverse("bulk:owner", args=[customer.pk]),
        {"owner": manager.get_username()},
        lambda: type(customer).objects.get(pk=customer.pk).owner_id == manager.pk,
    )


def _share_page(world: World, actor: str) -> PageCall:
    customer = world.fresh_customer(actor)
    admin = world.users["admin"]
    return PageCall(
        reverse("bulk:share", args=[customer.pk]),
        {"user": admin.get_username()},
        lambda: CustomerShare.objects.filter(customer=customer, user=admin).exists(),
    )


PAGES: dict[str, tuple[str, ...]] = {
    "POST bulk:start":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT),  # noqa: E501
    "GET bulk:detail":     (LOGIN, PAGE, PAGE, PAGE, UNSEEN, UNSEEN, UNSEEN, UNSEEN),
    "POST bulk:undo":      (LOGIN, REDIRECT, REDIRECT, REDIRECT, UNSEEN, UNSEEN, UNSEEN, UNSEEN),
    "GET bulk:download":   (LOGIN, PAGE, PAGE, UNSEEN, UNSEEN, PAGE, UNSEEN, UNSEEN),
    "POST bulk:owner":     (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, UNSEEN, UNSEEN),
    "POST bulk:share":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "POST bulk:start": _start_page,
    "GET bulk:detail": lambda w, a: PageCall(reverse("bulk:detail", args=[_shared_action(w).pk])),
    "POST bulk:undo": _undo_page,
    "GET bulk:download": _download_page,
    "POST bulk:owner": _owner_page,
    "POST bulk:share": _share_page,
}

PAGE_NAMESPACES = ("bulk",)
