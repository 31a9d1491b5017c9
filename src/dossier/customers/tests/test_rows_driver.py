"""The single-customer read straight through SQLite's driver reads what Django's cursor reads."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dossier.accounts.models import ApiToken
from dossier.accounts.services import create_token
from dossier.customers import rows
from dossier.customers.tests.api_helpers import Team

SEALED_AND_PLAIN = ("phone", "email", "protected", "attributes", "display_name", "owner_name")


def _read(team: Team, token_id: int) -> tuple[Any, Any]:
    state, row = rows.fetch_customer_with_token_state(team.customer.pk, token_id)
    assert row is not None
    return state, {name: getattr(row, name) for name in SEALED_AND_PLAIN} | {
        name: value for name, value in row.__dict__.items() if not name.startswith("_")
    }


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the driver's path is SQLite's")
def test_driver_and_django_cursor_read_the_same(team: Team, monkeypatch: Any) -> None:
    token, _secret = create_token(user=team.owner, name="erp")
    with CaptureQueriesContext(connection) as watched:  # a watcher: Django's path
        through_django = _read(team, token.pk)
    assert len(watched.captured_queries) == 1
    used: list[str] = []
    named = rows._sqlite_named
    monkeypatch.setattr(
        rows, "_sqlite_named", lambda sql, names: used.append(sql) or named(sql, names)
    )
    direct = _read(team, token.pk)
    assert used, "nothing watched, yet the driver's path was not taken"
    assert direct == through_django
    assert direct[0] == (True, through_django[0][1])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the driver's path is SQLite's")
def test_driver_path_sees_a_revocation_and_a_missing_customer(team: Team) -> None:
    token, _secret = create_token(user=team.owner, name="erp")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    (live, _generation), row = rows.fetch_customer_with_token_state(team.customer.pk, token.pk)
    assert not live and row is not None  # the caller refuses the call: the row goes unused
    (live, _generation), row = rows.fetch_customer_with_token_state(None, token.pk)
    assert not live and row is None
    (live, _generation), row = rows.fetch_customer_with_token_state(None, 10**9)
    assert not live and row is None
