"""The single-customer read answers ready JSON: the same JSON as the schema-validated answer.

``GET /customers/{id}`` skips ninja's validation of its result against ``CustomerOut``; these
tests hold it to what that validation followed by ninja's renderer gives, for customers with
and without tags and owner, seen whole and masked: the same values, keys in the same order,
datetimes written alike. orjson writes it, so the bytes differ only in spacing and in
non-ASCII text written as UTF-8 rather than ``\\u`` escapes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from dossier.customers import rows, selectors, services
from dossier.customers.models import Customer
from dossier.customers.responses import customer_json
from dossier.customers.schemas import CustomerOut
from dossier.customers.tests.api_helpers import ID_NUMBER, Team, url


def _validated_bytes(actor: Any, customer_id: Any) -> bytes:
    """What the endpoint answered when ninja validated its result against CustomerOut."""
    from dossier.api import api

    data = selectors.get_customer(actor=actor, customer_id=customer_id)
    dumped = CustomerOut.model_validate(data).model_dump()
    return api.renderer.render(None, dumped, response_status=200).encode()  # type: ignore[arg-type]


def _same_json(ready: bytes, validated: bytes) -> bool:
    """Equal values, keys in the same order at every level (datetimes are compared as text)."""

    def ordered(value: Any) -> Any:
        if isinstance(value, dict):
            return [(key, ordered(item)) for key, item in value.items()]
        if isinstance(value, list):
            return [ordered(item) for item in value]
        return value

    return ordered(json.loads(ready)) == ordered(json.loads(validated))


def _customers(team: Team, member_template: Any) -> list[Customer]:
    tagged = services.create_customer(
        actor=team.owner,
        template=member_template,
        values={
            "display_name": '欧阳娜娜 "Nana" \\ O\'Hara',
            "phone": "13900139000",
            "email": "nana@example.com",
            "member_no": "M000002",
            "id_number": "110101199003070011",
        },
    )
    gold = services.create_tag(actor=team.admin, name="金卡", group="等级", colour="#d4a017")
    old = services.create_tag(actor=team.admin, name="老客户", group="")
    services.set_customer_tags(
        actor=team.owner, customer_id=tagged.pk, tag_ids=[gold.pk, old.pk, team.tag.pk]
    )
    orphan = services.create_customer(
        actor=team.admin,
        template=member_template,
        values={"display_name": "无主客户", "phone": "13700137000", "member_no": "M000003"},
    )
    Customer.objects.filter(pk=orphan.pk).update(owner=None)
    for customer in (team.customer, tagged):
        services.share_customer(actor=team.owner, customer_id=customer.pk, user=team.marketer)
    return [team.customer, tagged, orphan]


def test_fast_json_equals_the_validated_response_for_every_role(
    team: Team, member_template: Any, api_as: Callable[..., Any]
) -> None:
    from dossier.api import api

    customers = _customers(team, member_template)
    compared = 0
    for actor in (team.owner, team.admin, team.manager, team.marketer):
        client = api_as(actor)
        for customer in customers:
            response = client.get(f"/customers/{customer.pk}")
            if response.status_code == 404:
                continue
            assert response.status_code == 200
            assert response["Content-Type"] == api.get_content_type()
            validated = _validated_bytes(actor, customer.pk)
            assert _same_json(response.content, validated), (actor.username, customer.pk)
            compared += 1
    # the owner sees two, the admin three, the manager (team east) two, the marketer two
    assert compared == 9


def test_fast_json_keeps_types_masks_tags_and_utc_times(
    team: Team, member_template: Any, api_as: Callable[..., Any]
) -> None:
    tagged = _customers(team, member_template)[1]
    seen = api_as(team.marketer).get(f"/customers/{tagged.pk}").json()
    assert list(seen) == list(CustomerOut.model_fields)
    assert seen["values"]["phone"] == "139****9000"
    assert set(seen["masked"]) == {"phone", "email", "birthday", "id_number"}
    assert [(t["group"], t["name"]) for t in seen["tags"]] == [
        ("", "VIP"),
        ("", "老客户"),
        ("等级", "金卡"),
    ]
    assert all(isinstance(t["id"], int) for t in seen["tags"])
    assert isinstance(seen["version"], int) and isinstance(seen["template_version"], int)
    assert seen["created_at"].endswith("Z") and "T" in seen["created_at"]
    assert seen["owner"] == "li.na"
    orphan = api_as(team.admin).get("/customers").json()["items"][0]
    assert orphan["owner"] is None
    assert api_as(team.admin).get(f"/customers/{orphan['id']}").json()["owner"] is None


def test_refused_and_unknown_customers_answer_the_error_shape(
    team: Team, api_as: Callable[..., Any]
) -> None:
    for path in (url(team), "/customers/01890000-0000-7000-8000-000000000000"):
        response = api_as(team.stranger).get(path)
        assert response.status_code == 404
        assert response.json()["code"] == "customer_not_found"
    assert api_as(team.owner).get("/customers/not-a-uuid").status_code == 422


def test_a_customer_the_caller_may_not_see_is_never_decrypted(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dossier.protection.fields as encrypted_fields

    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("decrypted a customer the caller may not see")

    monkeypatch.setattr(encrypted_fields, "decrypt", refuse)
    for actor in (team.stranger, team.analyst):
        with pytest.raises(selectors.NotFound):
            selectors.get_customer(actor=actor, customer_id=team.customer.pk)
    row = rows.fetch_customer(team.customer.pk)
    assert row is not None
    with pytest.raises(AssertionError):
        _ = row.phone  # sealed until read


def test_the_row_decrypts_what_is_read_as_the_model_does(team: Team) -> None:
    row = rows.fetch_customer(team.customer.pk)
    model = Customer.objects.get(pk=team.customer.pk)
    assert row is not None
    for name in ("phone", "email", "address", "protected", "attributes", "birthday"):
        assert getattr(row, name) == getattr(model, name), name
    assert row.protected["id_number"] == ID_NUMBER
    assert (row.pk, row.owner_id, row.team_id, row.version) == (
        model.pk,
        model.owner_id,
        model.team_id,
        model.version,
    )
    assert (row.created_at, row.updated_at) == (model.created_at, model.updated_at)
    with pytest.raises(AttributeError):
        _ = row.search_text  # not read: the API read has no use for it
    services.delete_customer(actor=team.admin, customer_id=team.customer.pk)
    assert rows.fetch_customer(team.customer.pk) is None


def test_ready_json_writes_what_orjson_cannot_as_ninja_would(team: Team) -> None:
    data = selectors.get_customer(actor=team.admin, customer_id=team.customer.pk)
    data["values"]["points"] = 2**70  # beyond orjson's 64-bit integers
    dumped = CustomerOut.model_validate(data).model_dump()
    from dossier.api import api

    validated = api.renderer.render(None, dumped, response_status=200).encode()  # type: ignore[arg-type]
    assert _same_json(customer_json(data), validated)
