"""The forms a list page carries, and the includes that draw them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from dossier.savedviews import selectors, services
from dossier.savedviews.models import ListPreference, SavedView
from dossier.savedviews.selectors import list_context
from dossier.savedviews.tests.lists import LIST

pytestmark = pytest.mark.django_db
SAVE = "/saved-views/"


def client(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_saving_the_current_parameters_opens_the_list_with_the_view(
    team: dict[str, User],
) -> None:
    form = {
        "list": LIST,
        "name": "Leads",
        "shared": "1",
        "default": "1",
        "next": "/customers/",
        "param:status": "lead",
        "param:tag": ["1", "2"],
    }
    response = client(team["sales"]).post(SAVE, form)
    view = SavedView.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/customers/?view={view.pk}")
    assert (view.params, view.shared) == ({"status": "lead", "tag": ["1", "2"]}, True)
    assert selectors.default_view(team["sales"], LIST) == view


def test_a_refused_save_goes_back_with_the_reason(team: dict[str, User]) -> None:
    form = {"list": LIST, "name": "x", "next": "/customers/?q=a", "param:secret": "1"}
    response = client(team["sales"]).post(SAVE, form, follow=False)
    assert (response.status_code, response["Location"]) == (302, "/customers/?q=a")
    assert not SavedView.objects.exists()
    followed = client(team["sales"])
    followed.post(SAVE, form)
    page = followed.get("/customers/")
    assert "secret" in page.content.decode()  # the message names the parameter


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "/\\evil.example/", "javascript:x"]
)
def test_next_never_leaves_the_site(team: dict[str, User], target: str) -> None:
    response = client(team["sales"]).post(SAVE, {"list": LIST, "name": "x", "next": target})
    assert response["Location"].startswith("/customers/?view=")


def test_pages_refuse_who_may_not_and_what_does_not_exist(team: dict[str, User]) -> None:
    view = services.create_view(actor=team["sales"], list_name=LIST, name="x", params={})
    assert client(team["analyst"]).post(SAVE, {"list": LIST, "name": "y"}).status_code == 403
    assert client(team["sales"]).post(SAVE, {"list": "nope", "name": "y"}).status_code == 404
    assert client(team["sales"]).get(SAVE).status_code == 405
    for who in ("sales2", "outsider"):
        assert client(team[who]).post(f"/saved-views/{view.pk}/delete/").status_code == 404
        assert client(team[who]).post(f"/saved-views/{view.pk}/default/").status_code == 404
    assert SavedView.objects.filter(pk=view.pk).exists()
    assert Client().post(f"/saved-views/{view.pk}/delete/").status_code == 302  # to log in
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_a_teammate_may_not_delete_a_shared_view_its_manager_may(team: dict[str, User]) -> None:
    view = services.create_view(
        actor=team["sales"], list_name=LIST, name="x", params={}, shared=True
    )
    assert client(team["sales2"]).post(f"/saved-views/{view.pk}/delete/").status_code == 403
    response = client(team["manager"]).post(f"/saved-views/{view.pk}/delete/")
    assert (response.status_code, response["Location"]) == (302, "/customers/?view=all")
    assert not SavedView.objects.exists()


def test_default_is_set_and_cleared_from_the_page(team: dict[str, User]) -> None:
    view = services.create_view(
        actor=team["sales"], list_name=LIST, name="x", params={}, shared=True
    )
    c = client(team["sales2"])
    assert c.post(f"/saved-views/{view.pk}/default/").status_code == 302
    assert selectors.default_view(team["sales2"], LIST) == view
    c.post(f"/saved-views/{view.pk}/default/", {"default": "0"})
    assert selectors.default_view(team["sales2"], LIST) is None


def test_column_chooser_keeps_columns_and_page_size(team: dict[str, User]) -> None:
    c = client(team["sales"])
    url = f"/list-preferences/{LIST}/"
    response = c.post(
        url, {"columns": ["phone", "name"], "page_size": "50", "next": "/customers/?q=a"}
    )
    assert (response.status_code, response["Location"]) == (302, "/customers/?q=a")
    preference = ListPreference.objects.get(user=team["sales"])
    assert (preference.columns, preference.page_size) == (["phone", "name"], 50)
    c.post(url, {"columns": ["spend"], "page_size": "50"})  # not offered to sales
    c.post(url, {"columns": ["name"], "page_size": "5000000"})
    assert ListPreference.objects.get(user=team["sales"]).columns == ["phone", "name"]
    c.post(url, {"reset": "1", "columns": ["name"]})
    preference.refresh_from_db()
    assert (preference.columns, preference.page_size) == ([], None)
    assert client(team["analyst"]).post(url, {"columns": []}).status_code == 403


def _render(user: User, query: str, template: str, **extra: object) -> str:
    request = RequestFactory().get(f"/customers/?{query}")
    request.user = user
    ctx = list_context(user, LIST, request.GET)
    html = render_to_string(f"savedviews/{template}", {**ctx, **extra}, request=request)
    assert "Expects" not in html and "{#" not in html  # the notes for developers stay hidden
    return html


def test_tabs_mark_the_active_view_and_link_each(team: dict[str, User]) -> None:
    view = services.create_view(
        actor=team["sales"], list_name=LIST, name="Leads <b>", params={"q": "x"}
    )
    html = _render(team["sales"], f"view={view.pk}", "_tabs.html")
    assert f'href="?view={view.pk}" aria-current="page"' in html
    assert "Leads &lt;b&gt;" in html
    assert 'href="?view=all">' in html
    plain = _render(team["sales"], "", "_tabs.html")
    assert 'href="?view=all" aria-current="page"' in plain
    assert "hx-swap-oob" not in plain
    assert 'hx-swap-oob="true"' in _render(team["sales"], "", "_tabs.html", oob=True)


def test_save_form_carries_the_current_parameters(team: dict[str, User]) -> None:
    html = _render(team["sales"], 'q="><x&tag=1&tag=2&cursor=9', "_save_form.html")
    assert 'name="param:q" value="&quot;&gt;&lt;x"' in html
    assert html.count('name="param:tag"') == 2
    assert "cursor" not in html
    assert 'name="list" value="test-customers"' in html


def test_column_chooser_checks_the_columns_shown(team: dict[str, User]) -> None:
    services.set_preferences(actor=team["sales"], list_name=LIST, columns=["phone"], page_size=50)
    html = _render(team["sales"], "", "_columns.html")
    assert 'value="phone" checked' in html and 'value="name" checked' not in html
    assert '<option value="50" selected>' in html
    assert "spend" not in html


@pytest.mark.parametrize(
    "form",
    [
        {"name": "a\x00b"},
        {"name": "ok", "param:q": "a\x00b"},
        {"name": "ok", "param:tag": ["1"] * 101},
        {"name": "x" * 101},
    ],
)
def test_hostile_forms_are_refused_without_a_server_error(
    team: dict[str, User], form: dict[str, object]
) -> None:
    response = client(team["sales"]).post(SAVE, {"list": LIST, "next": "/customers/", **form})
    assert (response.status_code, response["Location"]) == (302, "/customers/")
    assert not SavedView.objects.exists()
