"""/api/v1/interactions: create, read, page, correct, delete; refusals in the one error shape."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dossier.activity.figures import verify
from dossier.interactions.models import Interaction

pytestmark = pytest.mark.django_db


def _body(customer: Any, **values: Any) -> dict[str, Any]:
    return {
        "customer_id": str(customer.pk),
        "channel": "wechat",
        "direction": "outbound",
        "subject": "回访满意度",
        "notes": "客户对安装服务满意",
        **values,
    }


def test_log_read_correct_and_delete(api_as: Any, owner: Any, customer: Any) -> None:
    api = api_as(owner)
    created = api.post("/interactions", _body(customer, duration_seconds=90))
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["channel"], data["notes"], data["staff"]) == (
        "wechat",
        "客户对安装服务满意",
        "li.na",
    )
    path = f"/interactions/{data['id']}"
    assert api.get(path).json() == data
    patched = api.patch(path, {"outcome": "resolved", "notes": None})
    assert patched.status_code == 200
    assert (patched.json()["outcome"], patched.json()["notes"]) == (
        "resolved",
        "客户对安装服务满意",
    )
    assert api.delete(path).status_code == 204
    assert api.get(path).status_code == 404
    assert verify() == []


def test_a_customers_interactions_page_by_cursor_newest_first(
    api_as: Any, owner: Any, customer: Any
) -> None:
    api = api_as(owner)
    now = timezone.now()
    for hours in (5, 1, 3, 3, 2):  # two at the same instant: the cursor must not skip one
        when = (now - timedelta(hours=hours)).replace(microsecond=0).isoformat()
        assert api.post("/interactions", _body(customer, occurred_at=when)).status_code == 201
    seen: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = api.get(f"/interactions?customer_id={customer.pk}&limit=2&cursor={cursor}").json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 5 and len({item["id"] for item in seen}) == 5
    times = [item["occurred_at"] for item in seen]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"notes": "长" * 4001}, "notes"),
        ({"channel": "pigeon"}, "channel"),
        ({"duration_seconds": 86401}, "duration_seconds"),
        ({"occurred_at": "2099-05-01T10:00:00+08:00"}, "occurred_at"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_written(
    api_as: Any, owner: Any, customer: Any, values: dict[str, Any], field: str
) -> None:
    response = api_as(owner).post("/interactions", _body(customer, **values))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Interaction.objects.exists()


def test_a_malformed_cursor_is_422(api_as: Any, owner: Any, customer: Any) -> None:
    response = api_as(owner).get(f"/interactions?customer_id={customer.pk}&cursor=abc")
    assert response.status_code == 422


def test_who_may_not(
    api_as: Any, owner: Any, customer: Any, stranger: Any, marketer: Any, analyst: Any
) -> None:
    row = api_as(owner).post("/interactions", _body(customer)).json()
    path = f"/interactions/{row['id']}"
    listing = f"/interactions?customer_id={customer.pk}"
    for user, status in ((stranger, 404), (analyst, 404), (marketer, 403)):
        api = api_as(user)
        assert api.post("/interactions", _body(customer)).status_code == status
        assert api.get(path).status_code == status
        assert api.get(listing).status_code == status
        assert api.patch(path, {"notes": "改掉"}).status_code == status
        assert api.delete(path).status_code == status
    assert Interaction.objects.count() == 1
    assert Interaction.objects.get().notes == "客户对安装服务满意"


def test_a_read_only_token_reads_but_writes_nothing(api_as: Any, owner: Any, customer: Any) -> None:
    row = api_as(owner).post("/interactions", _body(customer)).json()
    reader = api_as(owner, scope="read")
    assert reader.get(f"/interactions/{row['id']}").status_code == 200
    refused = reader.post("/interactions", _body(customer))
    assert (refused.status_code, refused.json()["code"]) == (403, "token_read_only")
    assert reader.delete(f"/interactions/{row['id']}").status_code == 403
    assert Interaction.objects.count() == 1
