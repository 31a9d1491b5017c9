"""Each user's columns and page size per list, checked against the columns offered to them."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.accounts.services import set_role
from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.savedviews import selectors, services
from dossier.savedviews.models import ListPreference
from dossier.savedviews.selectors import Preferences
from dossier.savedviews.tests.lists import LIST

pytestmark = pytest.mark.django_db


def test_no_preference_means_the_lists_defaults(team: dict[str, User]) -> None:
    assert selectors.preferences_for(team["sales"], LIST) == Preferences([], None)


def test_preferences_are_kept_per_user_in_the_order_chosen(team: dict[str, User]) -> None:
    services.set_preferences(
        actor=team["sales"], list_name=LIST, columns=["owner", "name", "owner"], page_size=50
    )
    assert selectors.preferences_for(team["sales"], LIST) == Preferences(["owner", "name"], 50)
    assert selectors.preferences_for(team["sales2"], LIST) == Preferences([], None)
    services.set_preferences(actor=team["sales"], list_name=LIST, columns=[], page_size=None)
    assert selectors.preferences_for(team["sales"], LIST) == Preferences([], None)
    assert ListPreference.objects.filter(user=team["sales"]).count() == 1


def test_a_column_the_role_is_not_offered_is_refused(team: dict[str, User]) -> None:
    with pytest.raises(ValidationFailed) as error:
        services.set_preferences(actor=team["sales"], list_name=LIST, columns=["name", "spend"])
    assert error.value.details("en")[0]["field"] == "columns"
    services.set_preferences(actor=team["manager"], list_name=LIST, columns=["name", "spend"])


def test_the_caller_may_narrow_the_columns_offered(team: dict[str, User]) -> None:
    with pytest.raises(ValidationFailed):
        services.set_preferences(
            actor=team["manager"], list_name=LIST, columns=["spend"], allowed_columns=["name"]
        )


def test_columns_no_longer_offered_are_dropped_when_read(team: dict[str, User]) -> None:
    manager = team["manager"]
    services.set_preferences(actor=manager, list_name=LIST, columns=["spend", "name"])
    set_role(user=manager, role=roles.SALES)
    manager.__dict__.pop("_dossier_role", None)
    manager = User.objects.get(pk=manager.pk)  # a fresh permission cache
    assert selectors.preferences_for(manager, LIST).columns == ["name"]


@pytest.mark.parametrize(
    ("columns", "page_size"),
    [
        ("name", None),
        ({"name": 1}, None),
        ([1], None),
        (["name\x00"], None),
        (["c"] * 61, None),
        (["name"], 7),
        (["name"], "50"),
        (["name"], True),
        (["name"], 10**9),
    ],
)
def test_bad_columns_and_page_sizes_are_refused(
    team: dict[str, User], columns: Any, page_size: Any
) -> None:
    with pytest.raises(ValidationFailed):
        services.set_preferences(
            actor=team["sales"], list_name=LIST, columns=columns, page_size=page_size
        )
    assert not ListPreference.objects.exists()


def test_preferences_need_a_known_list_the_actor_may_use(team: dict[str, User]) -> None:
    with pytest.raises(NotFound):
        services.set_preferences(actor=team["sales"], list_name="nope", columns=[])
    with pytest.raises(PermissionDenied):
        services.set_preferences(actor=team["analyst"], list_name=LIST, columns=[])
