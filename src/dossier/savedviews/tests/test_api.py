"""The API of saved views and list preferences: the same rules as the services, one error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.savedviews import selectors
from dossier.savedviews.models import SavedView
from dossier.savedviews.tests.lists import LIST

pytestmark = pytest.mark.django_db
BASE = f"/saved-views?list={LIST}"


@pytest.fixture
def api(api_as: Callable[..., Any], team: dict[str, User]) -> Callable[[str], Any]:
    clients: dict[str, Any] = {}

    def client(who: str) -> Any:
        if who not in clients:
            clients[who] = api_as(team[who])
        return clients[who]

    return client


def test_create_list_update_delete(api: Callable[[str], Any]) -> None:
    body = {"name": "Leads", "params": {"status": "lead", "tag": ["1", "2"]}, "shared": True}
    created = api("sales").post(BASE, body)
    assert created.status_code == 201, created.content
    row = created.json()
    assert row["params"] == body["params"] and row["query"] == f"?view={row['id']}"
    assert (row["mine"], row["may_change"], row["is_default"]) == (True, True, False)
    listed = api("sales2").get(BASE).json()["items"]
    assert [(r["name"], r["may_change"]) for r in listed] == [("Leads", False)]
    path = f"/saved-views/{row['id']}"
    assert api("sales2").patch(path, {"name": "Mine"}).status_code == 403
    assert api("outsider").patch(path, {"name": "Mine"}).status_code == 404
    renamed = api("manager").patch(path, {"name": "Team leads"})
    assert renamed.json()["name"] == "Team leads"
    assert api("outsider").delete(path).status_code == 404
    assert api("sales").delete(path).status_code == 204
    assert not SavedView.objects.exists()


def test_unknown_parameter_is_a_422_naming_it(api: Callable[[str], Any]) -> None:
    response = api("sales").post(BASE, {"name": "x", "params": {"owner_id": "1"}})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "params.owner_id"


@pytest.mark.parametrize(
    "params",
    [{"q": 1}, {"q": None}, {"q": {"a": "b"}}, {"tag": [1]}, ["q"], "q", {"q": "a\u0000"}],
)
def test_values_that_are_not_text_are_422(api: Callable[[str], Any], params: Any) -> None:
    response = api("sales").post(BASE, {"name": "x", "params": params})
    assert response.status_code == 422
    assert not SavedView.objects.exists()


def test_unknown_list_is_404_and_a_role_without_the_list_403(api: Callable[[str], Any]) -> None:
    assert api("sales").get("/saved-views?list=nope").status_code == 404
    assert api("sales").get("/saved-views").status_code == 422
    assert api("analyst").get(BASE).status_code == 403
    assert api("analyst").post(BASE, {"name": "x", "params": {}}).status_code == 403


def test_duplicate_name_is_a_conflict(api: Callable[[str], Any]) -> None:
    assert api("sales").post(BASE, {"name": "x", "params": {}}).status_code == 201
    assert api("sales").post(BASE, {"name": "x", "params": {}}).status_code == 409


def test_default_view_is_set_switched_and_cleared(
    api: Callable[[str], Any], team: dict[str, User]
) -> None:
    one = api("sales").post(BASE, {"name": "One", "params": {}, "shared": True}).json()
    two = api("sales").post(BASE, {"name": "Two", "params": {}, "default": True}).json()
    assert selectors.default_view(team["sales"], LIST).pk == two["id"]
    answer = api("sales").post(f"/saved-views/{one['id']}/default")
    assert (answer.status_code, answer.json()["is_default"]) == (200, True)
    assert [r["is_default"] for r in api("sales").get(BASE).json()["items"]] == [False, True]
    # a teammate may make the shared view their default; another team cannot see it
    assert api("sales2").post(f"/saved-views/{one['id']}/default").status_code == 200
    assert api("outsider").post(f"/saved-views/{one['id']}/default").status_code == 404
    assert api("sales2").post(f"/saved-views/{two['id']}/default").status_code == 404
    assert api("sales").delete(f"/saved-views/{one['id']}/default").status_code == 204
    assert selectors.default_view(team["sales"], LIST) is None
    assert selectors.default_view(team["sales2"], LIST).pk == one["id"]


def test_preferences_are_read_and_replaced(api: Callable[[str], Any]) -> None:
    path = f"/list-preferences/{LIST}"
    start = api("sales").get(path).json()
    assert start["columns"] == [] and start["page_size"] is None
    assert [c["key"] for c in start["allowed_columns"]] == ["name", "phone", "owner"]
    assert start["page_sizes"] == [25, 50, 100]
    put = api("sales").put(path, {"columns": ["phone", "name"], "page_size": 50})
    assert (put.status_code, put.json()["columns"], put.json()["page_size"]) == (
        200,
        ["phone", "name"],
        50,
    )
    refused = api("sales").put(path, {"columns": ["spend"], "page_size": 50})
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (422, "columns")
    assert api("sales").put(path, {"columns": [], "page_size": 7}).status_code == 422
    assert api("manager").put(path, {"columns": ["spend"]}).status_code == 200
    assert api("sales").get(path).json()["columns"] == ["phone", "name"]
    assert api("analyst").get(path).status_code == 403
    assert api("sales").get("/list-preferences/nope").status_code == 404


def test_a_read_only_token_may_read_but_not_save(
    api_as: Callable[..., Any], team: dict[str, User]
) -> None:
    reader = api_as(team["sales"], scope="read")
    assert reader.get(BASE).status_code == 200
    assert reader.post(BASE, {"name": "x", "params": {}}).status_code == 403
    assert reader.put(f"/list-preferences/{LIST}", {"columns": []}).status_code == 403
