"""Fixtures of the 360 tests: made-up timeline kinds and quick actions, registered per test.

The real kinds come from the apps that own orders, tickets …; these tests name none of
them. A fake kind draws its row when the viewer may load it and its summary otherwise; its
loader leaves out the rows listed in ``hidden`` (rows the viewer may not see).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.activity import kinds
from dossier.activity.kinds import QuickAction, TimelineKind
from dossier.activity.services import record_entries
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.customers.access import allows

START = datetime(2026, 3, 1, 9, tzinfo=UTC)

FAKE_TEMPLATES = {
    "fake/visit.html": (
        '{% if row %}<span class="visit-row">{{ row }}</span>'
        '{% else %}<span class="visit-summary">{{ entry.summary.status }}</span>{% endif %}'
    ),
    "fake/parcel.html": '<span class="parcel">{{ entry.summary.status }}</span>',
    "fake/log_visit.html": (
        '<form class="fake-log-visit" method="post" action="#">'
        '<input name="note" aria-label="note"><button type="submit">Save visit</button></form>'
    ),
    "fake/b2b_action.html": '<p class="fake-b2b-action">only for accounts</p>',
}


@dataclass
class FakeKinds:
    """What the fake kinds' loaders were asked, and which rows they keep from the viewer."""

    hidden: set[str] = field(default_factory=set)
    asked: list[tuple[str, list[str]]] = field(default_factory=list)

    def loader(self, key: str) -> Callable[[MaybeActor, Sequence[str]], dict[str, Any]]:
        def load(actor: MaybeActor, ids: Sequence[str]) -> dict[str, Any]:
            self.asked.append((key, list(ids)))
            return {pk: f"{key} row {pk}" for pk in ids if pk not in self.hidden}

        return load


@pytest.fixture
def fake_templates(settings: Any) -> None:
    """The fake kinds' templates, beside the apps' own."""
    engine = dict(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            ("django.template.loaders.locmem.Loader", FAKE_TEMPLATES),
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [engine]


@pytest.fixture
def fake_kinds(fake_templates: None) -> Iterator[FakeKinds]:
    """Two kinds for every scenario (visit with a loader, parcel without) and one for B2B
    accounts only; a quick action for everyone who may change the customer and one for B2B.
    The kinds and actions the installed apps registered are put aside meanwhile."""
    fake = FakeKinds()
    added = [
        TimelineKind(
            key="visit", label="Visit", template="fake/visit.html", load=fake.loader("visit")
        ),
        TimelineKind(key="parcel", label="Parcel", template="fake/parcel.html"),
        TimelineKind(
            key="contract",
            label="Contract",
            template="fake/parcel.html",
            scenarios=("b2b_account",),
        ),
    ]
    actions = [
        QuickAction(
            key="log_visit",
            label="Log a visit",
            template="fake/log_visit.html",
            allowed=lambda actor, customer: allows(actor, customer, "change"),
        ),
        QuickAction(
            key="b2b_action",
            label="Account action",
            template="fake/b2b_action.html",
            allowed=lambda actor, customer: True,
            scenarios=("b2b_account",),
        ),
    ]
    # only these, whichever apps are installed: the tests count what the page shows
    before_kinds, before_actions = dict(kinds._KINDS), dict(kinds._ACTIONS)
    kinds._KINDS.clear()
    kinds._ACTIONS.clear()
    for kind in added:
        kinds.register_kind(kind)
    for action in actions:
        kinds.register_quick_action(action)
    yield fake
    kinds._KINDS.clear()
    kinds._KINDS.update(before_kinds)
    kinds._ACTIONS.clear()
    kinds._ACTIONS.update(before_actions)


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("li.na", roles.SALES, team="east")


@pytest.fixture
def customer(owner: User, make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner, email="li.lei@example.com")


def add_entries(customer: Any, count: int, kinds: Sequence[str], start: int = 0) -> list[str]:
    """``count`` entries an hour apart (the last one newest), kinds taken in turn.

    Object ids are ``<kind>-<n>``; returns them oldest first.
    """
    rows = [
        {
            "customer_id": customer.pk,
            "kind": kinds[n % len(kinds)],
            "object_id": f"{kinds[n % len(kinds)]}-{n}",
            "occurred_at": START + timedelta(hours=n),
            "summary": {"status": f"status {n}", "n": n},
        }
        for n in range(start, start + count)
    ]
    record_entries(rows)
    return [str(row["object_id"]) for row in rows]
