"""What a list page applies: the request's parameters, a chosen view's, or the default's."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import QueryDict

from dossier.core.errors import PermissionDenied
from dossier.savedviews import services
from dossier.savedviews.models import SavedView
from dossier.savedviews.selectors import list_context
from dossier.savedviews.tests.lists import LIST

pytestmark = pytest.mark.django_db


def context(user: User, query: str = "", **kwargs: Any) -> dict[str, Any]:
    return list_context(user, LIST, QueryDict(query), **kwargs)


def applied(ctx: dict[str, Any]) -> dict[str, list[str]]:
    return {k: ctx["params"].getlist(k) for k in ctx["params"]}


def view(user: User, name: str, default: bool = False, **params: Any) -> SavedView:
    return services.create_view(
        actor=user, list_name=LIST, name=name, params=params, default=default
    )


def test_without_views_the_request_parameters_apply(team: dict[str, User]) -> None:
    ctx = context(team["sales"], "q=王&tag=1&tag=2&cursor=abc&junk=1")
    assert applied(ctx) == {"q": ["王"], "tag": ["1", "2"]}  # only the list's parameters
    assert ctx["current_params"] == [("q", "王"), ("tag", "1"), ("tag", "2")]
    assert ctx["current_query"] == "q=%E7%8E%8B&tag=1&tag=2"
    assert (ctx["active_view"], ctx["default_view"], ctx["saved_views"]) == (None, None, [])


def test_a_chosen_view_applies_its_parameters(team: dict[str, User]) -> None:
    leads = view(team["sales"], "Leads", status="lead", tag=["3"])
    ctx = context(team["sales"], f"view={leads.pk}&cursor=abc")
    assert applied(ctx) == {"status": ["lead"], "tag": ["3"]}
    assert ctx["active_view"]["id"] == leads.pk
    assert ctx["active_view_modified"] is False


def test_request_parameters_change_a_chosen_views_and_an_empty_one_clears(
    team: dict[str, User],
) -> None:
    leads = view(team["sales"], "Leads", status="lead", tag=["3"])
    ctx = context(team["sales"], f"view={leads.pk}&sort=name&tag=")
    assert applied(ctx) == {"status": ["lead"], "sort": ["name"]}
    assert ctx["active_view"]["id"] == leads.pk
    assert ctx["active_view_modified"] is True


def test_the_default_view_applies_only_to_a_request_without_parameters(
    team: dict[str, User],
) -> None:
    default = view(team["sales"], "Mine", default=True, owner="me")
    ctx = context(team["sales"])
    assert applied(ctx) == {"owner": ["me"]}
    assert ctx["active_view"]["id"] == ctx["default_view"]["id"] == default.pk
    assert applied(context(team["sales"], "cursor=abc")) == {"owner": ["me"]}  # page 2
    assert applied(context(team["sales"], "q=x")) == {"q": ["x"]}
    plain = context(team["sales"], "q=&status=")  # filters cleared on purpose
    assert (applied(plain), plain["active_view"]) == ({}, None)
    everything = context(team["sales"], "view=all")
    assert (applied(everything), everything["active_view"]) == ({}, None)


def test_a_view_gone_or_not_seen_is_ignored(team: dict[str, User]) -> None:
    private = view(team["sales2"], "Theirs", status="lost")
    for asked in (str(private.pk), "999999", "abc", "1" * 40):
        ctx = context(team["sales"], f"view={asked}&q=x")
        assert applied(ctx) == {"q": ["x"]}
        assert (ctx["active_view"], ctx["view_missing"]) == (None, True)


def test_the_plain_list_showing_a_views_parameters_marks_that_view(
    team: dict[str, User],
) -> None:
    leads = view(team["sales"], "Leads", status="lead", tag=["3", "4"])
    ctx = context(team["sales"], "tag=3&status=lead&tag=4")
    assert ctx["active_view"]["id"] == leads.pk


def test_a_teammates_shared_default_applies(team: dict[str, User]) -> None:
    shared = services.create_view(
        actor=team["sales"], list_name=LIST, name="East", params={"q": "e"}, shared=True
    )
    services.set_default_view(actor=team["sales2"], list_name=LIST, view_id=shared.pk)
    ctx = context(team["sales2"])
    assert applied(ctx) == {"q": ["e"]}
    assert [r["name"] for r in ctx["saved_views"]] == ["East"]


def test_columns_and_page_size_come_from_the_preferences_or_the_defaults(
    team: dict[str, User],
) -> None:
    sales = team["sales"]
    ctx = context(sales)
    assert ctx["allowed_columns"] == [("name", "Name"), ("phone", "Phone"), ("owner", "Owner")]
    assert (ctx["columns"], ctx["page_size"], ctx["page_sizes"]) == (
        ["name", "phone", "owner"],
        25,
        [25, 50, 100],
    )
    assert context(sales, default_columns=["name", "spend"])["columns"] == ["name"]
    services.set_preferences(actor=sales, list_name=LIST, columns=["owner"], page_size=100)
    ctx = context(sales, allowed_columns=[("owner", "Owner"), ("name", "Name")])
    assert (ctx["columns"], ctx["page_size"]) == (["owner"], 100)
    assert ctx["preferences"] == {"columns": ["owner"], "page_size": 100, "chosen": True}
    # a column the caller no longer offers is not shown
    assert context(sales, allowed_columns=["name"])["columns"] == ["name"]


def test_a_role_that_may_not_use_the_list_gets_no_context(team: dict[str, User]) -> None:
    with pytest.raises(PermissionDenied):
        context(team["analyst"])
