"""Role-matrix rows of saved views (collected by site/tests/test_role_matrix.py).

The list is the test list (``tests/lists.py``: the customers' permission). Calls about one
view are about a fresh one of the east sales user, shared with east. A shared view is seen
by its owner's team only: the administrator, in no team, does not see it.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.savedviews.models import ListPreference, SavedView
from dossier.savedviews.services import create_view
from dossier.savedviews.tests.lists import LIST
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"


def shared_view(world: World) -> SavedView:
    """A fresh view of the east sales user, shared with east."""
    count = SavedView.objects.count()
    return create_view(
        actor=world.users["sales"],
        list_name=LIST,
        name=f"matrix {count}",
        params={"status": "lead"},
        shared=True,
    )


# admin, manager, sales, service, marketing, analyst, outsider
API: dict[str, tuple[str, ...]] = {
    # whoever may use the list keeps views on it (analysts do not see customers)
    "GET /saved-views":                          (OK, OK, OK, OK, OK, DENIED, OK),
    "POST /saved-views":                         (OK, OK, OK, OK, OK, DENIED, OK),
    # a shared view: changed by its owner and their team's manager, seen by the team
    "PATCH /saved-views/{view_id}":              (UNSEEN, OK, OK, DENIED, DENIED, UNSEEN, UNSEEN),
    "DELETE /saved-views/{view_id}":             (UNSEEN, OK, OK, DENIED, DENIED, UNSEEN, UNSEEN),
    "POST /saved-views/{view_id}/default":       (UNSEEN, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "DELETE /saved-views/{view_id}/default":     (UNSEEN, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "GET /list-preferences/{list_name}":         (OK, OK, OK, OK, OK, DENIED, OK),
    "PUT /list-preferences/{list_name}":         (OK, OK, OK, OK, OK, DENIED, OK),
}  # fmt: skip


def _view_path(world: World, suffix: str = "") -> str:
    return f"/saved-views/{shared_view(world).pk}{suffix}"


API_CALLS: dict[str, Any] = {
    "GET /saved-views": lambda w, a: (f"/saved-views?list={LIST}", None),
    "POST /saved-views": lambda w, a: (
        f"/saved-views?list={LIST}",
        {"name": f"api {a}", "params": {"q": "x"}},
    ),
    "PATCH /saved-views/{view_id}": lambda w, a: (_view_path(w), {"name": f"renamed by {a}"}),
    "DELETE /saved-views/{view_id}": lambda w, a: (_view_path(w), None),
    "POST /saved-views/{view_id}/default": lambda w, a: (_view_path(w, "/default"), {}),
    "DELETE /saved-views/{view_id}/default": lambda w, a: (_view_path(w, "/default"), None),
    "GET /list-preferences/{list_name}": lambda w, a: (f"/list-preferences/{LIST}", None),
    "PUT /list-preferences/{list_name}": lambda w, a: (
        f"/list-preferences/{LIST}",
        {"columns": ["name"], "page_size": 50},
    ),
}


PAGE_NAMESPACES = ("savedviews",)
LOGIN, REDIRECT = "login", "302"

# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "POST savedviews:save":        (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, REDIRECT),  # noqa: E501
    "POST savedviews:delete":      (LOGIN, UNSEEN, REDIRECT, REDIRECT, DENIED, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "POST savedviews:default":     (LOGIN, UNSEEN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, UNSEEN, UNSEEN),  # noqa: E501
    "POST savedviews:preferences": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, REDIRECT),  # noqa: E501
}  # fmt: skip


def _save_page(world: World, actor: str) -> PageCall:
    name = f"page {actor} {SavedView.objects.count()}"
    return PageCall(
        reverse("savedviews:save"),
        {"list": LIST, "name": name, "param:q": "x", "next": "/customers/"},
        lambda: SavedView.objects.filter(name=name).exists(),
    )


def _delete_page(world: World, actor: str) -> PageCall:
    view = shared_view(world)
    return PageCall(
        reverse("savedviews:delete", args=[view.pk]),
        {"next": "/customers/"},
        lambda: not SavedView.objects.filter(pk=view.pk).exists(),
    )


def _default_page(world: World, actor: str) -> PageCall:
    view = shared_view(world)
    return PageCall(
        reverse("savedviews:default", args=[view.pk]),
        {"next": "/customers/"},
        lambda: ListPreference.objects.filter(default_view=view).exists(),
    )


def _preferences_page(world: World, actor: str) -> PageCall:
    user = world.users[actor]
    return PageCall(
        reverse("savedviews:preferences", args=[LIST]),
        {"columns": ["name"], "page_size": "50", "next": "/customers/"},
        lambda: ListPreference.objects.filter(user=user, page_size=50).exists(),
    )


PAGE_CALLS: dict[str, Any] = {
    "POST savedviews:save": _save_page,
    "POST savedviews:delete": _delete_page,
    "POST savedviews:default": _default_page,
    "POST savedviews:preferences": _preferences_page,
}
