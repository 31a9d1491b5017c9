"""The API and the pages: the list's form contract, progress, undo, download, owner and share."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.audit.models import AuditEvent
from dossier.bulk.models import BulkAction
from dossier.bulk.services import start_bulk_action
from dossier.conftest import PASSWORD
from dossier.customers.models import CustomerShare, CustomerTag

from .conftest import Crew, fresh

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def test_api_starts_follows_and_undoes_an_action(crew: Crew, api_as: Callable[..., Any]) -> None:
    api = api_as(crew.sales)
    body = {"action": "add_tag", "parameters": {"tag": crew.tag.pk}, "filters": {"owner": "me"}}
    response = api.post("/bulk-actions", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["state"], data["total"], data["done"], data["undoable"]) == ("done", 3, 3, True)
    assert data["filters"] == {"owner": "me"} and data["ids"] is None
    assert api.get(f"/bulk-actions/{data['id']}").json()["percent"] == 100
    assert api_as(crew.stranger).get(f"/bulk-actions/{data['id']}").status_code == 404
    undone = api.post(f"/bulk-actions/{data['id']}/undo")
    assert undone.status_code == 200 and undone.json()["undo"]["restored"] == 3
    assert not CustomerTag.objects.exists()
    assert api.post(f"/bulk-actions/{data['id']}/undo").status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"action": "nope", "ids": []},
        {"action": "delete", "ids": ["x"] * 10_001},
        {"action": "add_tag", "parameters": {"tag": "abc"}, "ids": []},
        {"action": "add_tag", "parameters": {"tag": 1}, "filters": {"q": "a" * 201}},
    ],
)
def test_api_refuses_hostile_bodies(crew: Crew, api_as: Callable[..., Any], body: Any) -> None:
    assert api_as(crew.admin).post("/bulk-actions", body).status_code == 422
    assert not BulkAction.objects.exists()


def test_api_a_million_ids_never_reach_the_service(crew: Crew, api_as: Callable[..., Any]) -> None:
    raw = json.dumps({"action": "delete", "ids": ["01"] * 1_000_000})
    response = api_as(crew.admin).post("/bulk-actions", raw=raw)
    assert response.status_code in (413, 422)
    assert not BulkAction.objects.exists()


def test_api_marketing_may_not_change_customers(crew: Crew, api_as: Callable[..., Any]) -> None:
    body = {"action": "add_tag", "parameters": {"tag": crew.tag.pk}, "ids": crew.ids()}
    assert api_as(crew.marketer).post("/bulk-actions", body).status_code == 403


def test_list_form_with_ids_runs_and_shows_progress(crew: Crew) -> None:
    client = signed_in(crew.sales)
    response = client.post(
        "/bulk/",
        {"action": "add_tag", "bulk_tag": str(crew.tag.pk), "ids": crew.ids()[:2]},
    )
    assert response.status_code == 302
    bulk = BulkAction.objects.get()
    assert response["Location"] == f"/bulk/{bulk.pk}/"
    assert (bulk.total, bulk.done) == (2, 2)
    page = client.get(response["Location"])
    assert page.status_code == 200 and "hx-get" not in page.content.decode()
    assert "Undo" in page.content.decode()


def test_list_form_with_all_matching_takes_the_lists_filters(crew: Crew) -> None:
    client = signed_in(crew.manager)
    response = client.post(
        "/bulk/",
        {
            "action": "change_lifecycle",
            "bulk_lifecycle": "active",
            "all_matching": "1",
            "owner": "li.na",
            "status": "lead",
            "q": "",
            "ids": [str(crew.theirs.pk)],  # ignored when all matching
        },
    )
    assert response.status_code == 302
    bulk = BulkAction.objects.get()
    assert bulk.filters == {"owner": "li.na", "status": "lead"} and bulk.done == 3
    assert fresh(crew.theirs).lifecycle == "lead"
    event = AuditEvent.objects.get(object_type="bulk_action")
    assert event.changes["count"] == 3 and event.changes["filters"] == bulk.filters


def test_list_form_errors_name_the_problem(crew: Crew) -> None:
    client = signed_in(crew.sales)
    response = client.post("/bulk/", {"action": "add_tag", "ids": crew.ids()})
    assert response.status_code == 422 and "Tag" in response.content.decode()
    assert client.post("/bulk/", {"action": "delete", "ids": crew.ids()}).status_code == 403


def test_progress_fragment_polls_while_queued(crew: Crew) -> None:
    bulk = BulkAction.objects.create(
        actor=crew.sales, action="add_tag", parameters={"tag": crew.tag.pk}, ids=[], total=500
    )
    response = signed_in(crew.sales).get(f"/bulk/{bulk.pk}/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html and "<html" not in html
    assert signed_in(crew.stranger).get(f"/bulk/{bulk.pk}/").status_code == 404


def test_export_download_holds_only_the_chosen_customers_the_author_may_export(
    crew: Crew,
) -> None:
    bulk = start_bulk_action(
        actor=crew.manager,
        action="export",
        parameters={"format": "json"},
        ids=[crew.ids()[0], str(crew.theirs.pk)],
    )
    response = signed_in(crew.manager).get(f"/bulk/{bulk.pk}/download/")
    rows = json.loads(b"".join(response.streaming_content))
    assert [r["id"] for r in rows] == [crew.ids()[0]]
    assert signed_in(crew.admin).get(f"/bulk/{bulk.pk}/download/").status_code == 404


def test_owner_form_on_the_customer_page(crew: Crew) -> None:
    client = signed_in(crew.manager)
    customer = crew.mine[0]
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/bulk/customers/{customer.pk}/owner/" in page and 'value="chen"' in page
    response = client.post(f"/bulk/customers/{customer.pk}/owner/", {"owner": "an"}, follow=True)
    assert "an cannot hold customers of this template" in response.content.decode()
    assert fresh(customer).owner_id == crew.sales.pk
    client.post(f"/bulk/customers/{customer.pk}/owner/", {"owner": "chen"})
    assert fresh(customer).owner_id == crew.colleague.pk


def test_owner_form_refuses_a_sales_user_and_a_stranger(crew: Crew) -> None:
    customer = crew.mine[0]
    response = signed_in(crew.sales).post(
        f"/bulk/customers/{customer.pk}/owner/", {"owner": "chen"}
    )
    assert response.status_code == 403
    response = signed_in(crew.stranger).post(
        f"/bulk/customers/{customer.pk}/owner/", {"owner": "zhao"}
    )
    assert response.status_code == 404
    assert fresh(customer).owner_id == crew.sales.pk


def test_share_form(crew: Crew) -> None:
    customer = crew.mine[0]
    client = signed_in(crew.sales)
    response = client.post(f"/bulk/customers/{customer.pk}/share/", {"user": "nobody"}, follow=True)
    assert "There is no active user “nobody”" in response.content.decode()
    client.post(f"/bulk/customers/{customer.pk}/share/", {"user": "chen"})
    assert CustomerShare.objects.filter(customer=customer, user=crew.colleague).exists()
    stranger = signed_in(crew.stranger).post(
        f"/bulk/customers/{customer.pk}/share/", {"user": "zhao"}
    )
    assert stranger.status_code == 404


def test_action_bar_offers_only_the_actions_the_user_may_take(crew: Crew) -> None:
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    request = RequestFactory().get("/customers/?owner=me&tag=VIP")
    request.user = crew.sales
    html = render_to_string("bulk/_action_bar.html", request=request)
    assert 'value="add_tag"' in html and 'value="delete"' not in html
    assert '<input type="hidden" name="owner" value="me">' in html
    assert '<input type="hidden" name="tag" value="VIP">' in html
    request.user = crew.analyst
    assert "bulk-form" not in render_to_string("bulk/_action_bar.html", request=request)
