"""Webhooks in the role matrix: admins and managers keep their own subscriptions; others 403.

Subscriptions are integrations, kept by those who answer for what leaves Dossier (admins,
and managers for their team). Each keeper sees only their own: another keeper's
subscription is 404 (tested in test_api). The subscriptions made here send nothing anywhere:
they are paused, and their target (this machine, saved while the tests allowed it) is
refused again at delivery time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import override_settings
from django.urls import reverse

from dossier.site.tests.matrix_fixtures import PageCall, World
from dossier.webhooks import services
from dossier.webhooks.models import Delivery, Subscription

OK, DENIED = "2xx", "403"
KEEPERS = (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED)
LOGIN, REDIRECT, PAGE = "login", "302", "200"
KEEPER_PAGE = (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED)
KEEPER_POST = (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED)
PUBLIC_URL = "https://93.184.215.14/matrix"

API: dict[str, tuple[str, ...]] = {
    "GET /webhooks": KEEPERS,
    "POST /webhooks": KEEPERS,
    "GET /webhooks/{subscription_id}": KEEPERS,
    "PATCH /webhooks/{subscription_id}": KEEPERS,
    "DELETE /webhooks/{subscription_id}": KEEPERS,
    "POST /webhooks/{subscription_id}/ping": KEEPERS,
    "GET /webhooks/{subscription_id}/deliveries": KEEPERS,
    "POST /webhooks/deliveries/{delivery_id}/redeliver": KEEPERS,
}

PAGES: dict[str, tuple[str, ...]] = {
    "GET webhooks:list": KEEPER_PAGE,
    # the secret is shown on the answer itself, so creating answers the page (no redirect)
    "POST webhooks:list": KEEPER_PAGE,
    "POST webhooks:toggle": KEEPER_POST,
    "POST webhooks:delete": KEEPER_POST,
    "POST webhooks:ping": KEEPER_POST,
    "GET webhooks:deliveries": KEEPER_PAGE,
    "POST webhooks:redeliver": KEEPER_POST,
}
PAGE_NAMESPACES = ("webhooks",)


def _keeper(actor: str) -> str:
    """Whose subscription the call names: the actor's own, or (for those who may not keep
    any, refused before any lookup) the admin's."""
    return actor if actor in ("admin", "manager") else "admin"


def _make(world: World, actor: str) -> Subscription:
    with override_settings(DOSSIER_WEBHOOKS_ALLOW_PRIVATE=True, DOSSIER_WEBHOOKS_ALLOW_HTTP=True):
        subscription, _secret = services.create_subscription(
            actor=world.users[actor],
            name=f"矩阵-{actor}",
            url="http://127.0.0.1:9/matrix",
            events=["customer.created"],
            active=False,
        )
    return subscription


def _own(world: World, actor: str) -> Subscription:
    keeper = _keeper(actor)
    key = f"webhook-{keeper}"
    if key not in world.made:
        world.made[key] = _make(world, keeper)
    return world.made[key]  # type: ignore[no-any-return]


def _fresh(world: World, actor: str) -> Subscription:
    return _make(world, actor) if _keeper(actor) == actor else _own(world, actor)


def _delivery(world: World, actor: str) -> Delivery:
    """A finished delivery (a ping refused at delivery time) of the keeper's subscription."""
    keeper = _keeper(actor)
    key = f"webhook-delivery-{keeper}"
    if key not in world.made:
        subscription = _own(world, keeper)
        world.made[key] = services.ping(actor=world.users[keeper], subscription_id=subscription.pk)
    return world.made[key]  # type: ignore[no-any-return]


def _path(world: World, actor: str, tail: str = "") -> str:
    return f"/webhooks/{_own(world, actor).pk}{tail}"


API_CALLS: dict[str, Callable[[World, str], tuple[str, Any]]] = {
    "GET /webhooks": lambda w, a: ("/webhooks", None),
    "POST /webhooks": lambda w, a: (
        "/webhooks",
        {"name": f"新接口-{a}", "url": PUBLIC_URL, "events": ["customer.created"], "active": False},
    ),
    "GET /webhooks/{subscription_id}": lambda w, a: (_path(w, a), None),
    "PATCH /webhooks/{subscription_id}": lambda w, a: (_path(w, a), {"name": f"改名-{a}"}),
    "DELETE /webhooks/{subscription_id}": lambda w, a: (f"/webhooks/{_fresh(w, a).pk}", None),
    "POST /webhooks/{subscription_id}/ping": lambda w, a: (_path(w, a, "/ping"), None),
    "GET /webhooks/{subscription_id}/deliveries": lambda w, a: (_path(w, a, "/deliveries"), None),
    "POST /webhooks/deliveries/{delivery_id}/redeliver": lambda w, a: (
        f"/webhooks/deliveries/{_delivery(w, a).pk}/redeliver",
        None,
    ),
}


def _page(name: str, data: dict[str, Any] | None = None, *, fresh: bool = False) -> Any:
    def call(world: World, actor: str) -> PageCall:
        subscription = _fresh(world, actor) if fresh else _own(world, actor)
        return PageCall(reverse(name, args=[subscription.pk]), data)

    return call


PAGE_CALLS: dict[str, Callable[[World, str], PageCall]] = {
    "GET webhooks:list": lambda w, a: PageCall(reverse("webhooks:list")),
    "POST webhooks:list": lambda w, a: PageCall(
        reverse("webhooks:list"),
        {"name": f"页面接口-{a}", "url": PUBLIC_URL, "events": ["customer.created"]},
    ),
    "POST webhooks:toggle": _page("webhooks:toggle", {}),
    "POST webhooks:delete": _page("webhooks:delete", {}, fresh=True),
    "POST webhooks:ping": _page("webhooks:ping", {}),
    "GET webhooks:deliveries": _page("webhooks:deliveries"),
    "POST webhooks:redeliver": lambda w, a: PageCall(
        reverse("webhooks:redeliver", args=[_delivery(w, a).pk]), {}
    ),
}
