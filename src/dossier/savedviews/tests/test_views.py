"""Saved views: saving, listing, sharing within a team, changing, deleting, defaults."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.accounts.services import join_team
from dossier.audit.models import AuditEvent
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.savedviews import selectors, services
from dossier.savedviews.models import SavedView
from dossier.savedviews.registry import register_list
from dossier.savedviews.tests.lists import LIST

pytestmark = pytest.mark.django_db


def save(user: User, name: str, shared: bool = False, **params: Any) -> SavedView:
    return services.create_view(
        actor=user, list_name=LIST, name=name, params=params or {"status": "lead"}, shared=shared
    )


def names(user: User) -> list[str]:
    return [v.name for v in selectors.views_for(user, LIST)]


def test_saved_view_keeps_name_and_params_and_is_audited(team: dict[str, User]) -> None:
    view = save(team["sales"], "  My leads ", tag=["1", "2"], q="王", sort="-created")
    view.refresh_from_db()
    assert (view.name, view.shared) == ("My leads", False)
    assert view.params == {"tag": ["1", "2"], "q": "王", "sort": "-created"}
    event = AuditEvent.objects.get(action="create", object_type="saved_view")
    assert event.object_id == str(view.pk) and event.changes["list"] == LIST


def test_views_are_listed_personal_first_by_position_then_shared(team: dict[str, User]) -> None:
    sales, other = team["sales"], team["sales2"]
    save(other, "Team B", shared=True)
    save(sales, "Mine shared", shared=True)
    save(sales, "Second")
    first = save(sales, "First")
    services.update_view(actor=sales, view_id=first.pk, position=0)
    assert names(sales) == ["First", "Second", "Mine shared", "Team B"]


def test_personal_views_are_their_owners_alone(team: dict[str, User]) -> None:
    view = save(team["sales"], "Private")
    for who in ("sales2", "manager", "admin", "outsider", "loner_admin"):
        assert names(team[who]) == [], who
        with pytest.raises(NotFound):
            selectors.view_for(team[who], view.pk)
        with pytest.raises(NotFound):
            services.delete_view(actor=team[who], view_id=view.pk)
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_another_team_never_sees_nor_changes_a_shared_view(team: dict[str, User]) -> None:
    view = save(team["sales"], "East leads", shared=True)
    for who in ("outsider", "west_manager", "loner_admin"):
        assert names(team[who]) == [], who
        with pytest.raises(NotFound):
            services.update_view(actor=team[who], view_id=view.pk, name="mine now")
        with pytest.raises(NotFound):
            services.set_default_view(actor=team[who], list_name=LIST, view_id=view.pk)
    assert SavedView.objects.get(pk=view.pk).name == "East leads"


def test_a_teammate_sees_a_shared_view_but_may_not_change_it(team: dict[str, User]) -> None:
    view = save(team["sales"], "East leads", shared=True)
    assert names(team["sales2"]) == ["East leads"]
    row = selectors.view_rows(team["sales2"], LIST)[0]
    assert (row["mine"], row["may_change"], row["owner"]) == (False, False, "east-sales")
    with pytest.raises(PermissionDenied):
        services.update_view(actor=team["sales2"], view_id=view.pk, params={"q": "x"})
    with pytest.raises(PermissionDenied):
        services.delete_view(actor=team["service"], view_id=view.pk)
    assert SavedView.objects.get(pk=view.pk).params == {"status": "lead"}


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_the_teams_manager_or_administrator_changes_and_deletes_a_shared_view(
    team: dict[str, User], who: str
) -> None:
    view = save(team["sales"], "East leads", shared=True)
    services.update_view(actor=team[who], view_id=view.pk, name="Renamed", shared=True)
    assert SavedView.objects.get(pk=view.pk).name == "Renamed"
    services.delete_view(actor=team[who], view_id=view.pk)
    assert not SavedView.objects.filter(pk=view.pk).exists()
    event = AuditEvent.objects.get(action="delete", object_type="saved_view")
    assert (event.actor, event.changes["owner"]) == (team[who], "east-sales")


def test_unsharing_hides_the_view_from_the_team(team: dict[str, User]) -> None:
    view = save(team["sales"], "East leads", shared=True)
    services.update_view(actor=team["sales"], view_id=view.pk, shared=False)
    assert names(team["sales2"]) == []


def test_a_shared_view_follows_its_owner_to_another_team(team: dict[str, User]) -> None:
    save(team["sales"], "Travelling", shared=True)
    join_team(user=team["sales"], team="west")
    for user in (team["sales"], team["outsider"], team["sales2"]):
        user.__dict__.pop("_dossier_team", None)
    assert names(team["outsider"]) == ["Travelling"]
    assert names(team["sales2"]) == []


def test_names_are_unique_per_owner_and_list(team: dict[str, User]) -> None:
    save(team["sales"], "Leads")
    with pytest.raises(Conflict):
        save(team["sales"], "Leads")
    other = save(team["sales"], "Other")
    with pytest.raises(Conflict):
        services.update_view(actor=team["sales"], view_id=other.pk, name="Leads")
    save(team["sales2"], "Leads")  # another user's name is theirs


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, "a\x00b", None, 42])
def test_bad_names_are_refused(team: dict[str, User], name: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        save(team["sales"], name)
    assert refused.value.errors[0].field == "name"


def test_update_refuses_unknown_fields_and_bad_values(team: dict[str, User]) -> None:
    view = save(team["sales"], "Leads")
    for changes in ({"owner": "x"}, {"shared": "yes"}, {"position": -1}, {"position": True}):
        with pytest.raises(ValidationFailed):
            services.update_view(actor=team["sales"], view_id=view.pk, **changes)
    assert SavedView.objects.get(pk=view.pk).shared is False


def test_a_user_keeps_at_most_fifty_views_per_list(team: dict[str, User]) -> None:
    for n in range(services.MAX_VIEWS):
        save(team["sales"], f"v{n}")
    with pytest.raises(ValidationFailed):
        save(team["sales"], "one too many")


def test_roles_that_may_not_use_the_list_cannot_save_views(team: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        save(team["analyst"], "Mine")
    with pytest.raises(PermissionDenied):
        selectors.views_for(team["analyst"], LIST)


def test_unknown_list_is_not_found(team: dict[str, User]) -> None:
    with pytest.raises(NotFound):
        services.create_view(actor=team["sales"], list_name="nope", name="x", params={})
    with pytest.raises(NotFound):
        selectors.views_for(team["sales"], "nope")


def test_registering_a_list_twice_differently_is_refused() -> None:
    with pytest.raises(ValueError):
        register_list(LIST, params={"q"})
    with pytest.raises(ValueError):
        register_list("with-view", params={"view"})


# ---- default views ---------------------------------------------------------------------------


def test_setting_a_default_replaces_the_old_one(team: dict[str, User]) -> None:
    sales = team["sales"]
    one, two = save(sales, "One"), save(sales, "Two")
    assert selectors.default_view(sales, LIST) is None
    services.set_default_view(actor=sales, list_name=LIST, view_id=one.pk)
    assert selectors.default_view(sales, LIST) == one
    services.set_default_view(actor=sales, list_name=LIST, view_id=two.pk)
    assert selectors.default_view(sales, LIST) == two
    assert [r["is_default"] for r in selectors.view_rows(sales, LIST)] == [False, True]
    services.set_default_view(actor=sales, list_name=LIST, view_id=None)
    assert selectors.default_view(sales, LIST) is None


def test_create_with_default_makes_it_the_default(team: dict[str, User]) -> None:
    save(team["sales"], "Old")
    view = services.create_view(
        actor=team["sales"], list_name=LIST, name="New", params={"q": "a"}, default=True
    )
    assert selectors.default_view(team["sales"], LIST) == view


def test_a_teams_shared_view_may_be_a_default_only_while_seen(team: dict[str, User]) -> None:
    view = save(team["sales"], "East leads", shared=True)
    services.set_default_view(actor=team["sales2"], list_name=LIST, view_id=view.pk)
    assert selectors.default_view(team["sales2"], LIST) == view
    assert selectors.default_view(team["sales"], LIST) is None  # the owner's is their own
    services.update_view(actor=team["sales"], view_id=view.pk, shared=False)
    assert selectors.default_view(team["sales2"], LIST) is None


def test_deleting_a_default_view_leaves_no_default(team: dict[str, User]) -> None:
    view = save(team["sales"], "Gone", shared=True)
    services.set_default_view(actor=team["sales2"], list_name=LIST, view_id=view.pk)
    services.delete_view(actor=team["sales"], view_id=view.pk)
    assert selectors.default_view(team["sales2"], LIST) is None


def test_clearing_a_default_only_clears_that_view(team: dict[str, User]) -> None:
    one, two = save(team["sales"], "One"), save(team["sales"], "Two")
    services.set_default_view(actor=team["sales"], list_name=LIST, view_id=one.pk)
    services.clear_default_view(actor=team["sales"], view_id=two.pk)
    assert selectors.default_view(team["sales"], LIST) == one
    services.clear_default_view(actor=team["sales"], view_id=one.pk)
    assert selectors.default_view(team["sales"], LIST) is None


def test_a_default_must_belong_to_its_list(team: dict[str, User]) -> None:
    register_list("other-list", params={"q"})
    view = services.create_view(actor=team["sales"], list_name="other-list", name="x", params={})
    with pytest.raises(ValidationFailed):
        services.set_default_view(actor=team["sales"], list_name=LIST, view_id=view.pk)
