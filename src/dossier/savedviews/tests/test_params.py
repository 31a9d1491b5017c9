"""A view's parameters: only the list's own, text only, bounded; hostile input refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core.errors import ValidationFailed
from dossier.savedviews import services
from dossier.savedviews.models import SavedView
from dossier.savedviews.registry import MAX_PARAMS, MAX_VALUE_LENGTH, MAX_VALUES
from dossier.savedviews.tests.lists import LIST

pytestmark = pytest.mark.django_db


def refused(user: User, params: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationFailed) as error:
        services.create_view(actor=user, list_name=LIST, name="x", params=params)
    assert not SavedView.objects.exists()
    return error.value.details("en")


def test_an_unknown_parameter_is_refused_by_name(team: dict[str, User]) -> None:
    errors = refused(team["sales"], {"q": "ok", "owner_id__in": "1", "view": "3"})
    assert [(e["field"], e["code"]) for e in errors] == [
        ("params.owner_id__in", "unknown_parameter"),
        ("params.view", "unknown_parameter"),
    ]
    assert "owner_id__in" in errors[0]["message"]


@pytest.mark.parametrize(
    "params",
    [
        ["q", "x"],
        "q=x",
        None,
        42,
        {"q": 5},
        {"q": None},
        {"q": {"nested": "x"}},
        {"tag": ["1", 2]},
        {"tag": [["1"]]},
        {"q": True},
    ],
)
def test_values_that_are_not_text_are_refused(team: dict[str, User], params: Any) -> None:
    assert refused(team["sales"], params)


def test_control_characters_and_nul_bytes_are_refused(team: dict[str, User]) -> None:
    for value in ("a\x00b", "a\x1bb", ["ok", "\x00"], "a\x85b"):
        errors = refused(team["sales"], {"q": value})
        assert errors[0]["code"] == "control_characters"


def test_huge_values_are_refused(team: dict[str, User]) -> None:
    long = refused(team["sales"], {"q": "x" * (MAX_VALUE_LENGTH + 1)})
    assert long[0]["code"] == "too_long"
    many = refused(team["sales"], {"tag": ["1"] * (MAX_VALUES + 1)})
    assert many[0]["code"] == "too_many_items"
    keys = refused(team["sales"], {f"k{n}": "x" for n in range(MAX_PARAMS + 1)})
    assert (keys[0]["field"], keys[0]["code"]) == ("params", "too_many_items")
    # each value within bounds, but the whole too long to be a query string
    whole = refused(team["sales"], {"tag": ["x" * MAX_VALUE_LENGTH] * 30})
    assert (whole[0]["field"], whole[0]["code"]) == ("params", "too_long")


def test_a_hostile_key_is_named_printable_and_short(team: dict[str, User]) -> None:
    errors = refused(team["sales"], {"\x00" + "k" * 500: "x"})
    assert errors[0]["field"] == "params." + "k" * 40


def test_empty_values_are_left_out(team: dict[str, User]) -> None:
    view = services.create_view(
        actor=team["sales"],
        list_name=LIST,
        name="x",
        params={"q": "  ", "tag": ["", "3", " "], "status": [""], "sort": "name"},
    )
    assert view.params == {"tag": ["3"], "sort": "name"}


def test_update_checks_params_the_same_way(team: dict[str, User]) -> None:
    view = services.create_view(actor=team["sales"], list_name=LIST, name="x", params={"q": "a"})
    with pytest.raises(ValidationFailed):
        services.update_view(actor=team["sales"], view_id=view.pk, params={"secret": "1"})
    assert SavedView.objects.get(pk=view.pk).params == {"q": "a"}
