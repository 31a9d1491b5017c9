"""The single-customer read's ready JSON reads as ninja's validated ``CustomerOut`` rendering."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ninja.responses import NinjaJSONEncoder

from dossier.customers import selectors, services
from dossier.customers.responses import customer_json
from dossier.customers.schemas import CustomerOut
from dossier.customers.tests.api_helpers import Team, url


def _ninja_json(data: dict[str, Any]) -> str:
    # what ninja does with a returned dict: validate against the schema, render its dump
    return json.dumps(CustomerOut.model_validate(data).model_dump(), cls=NinjaJSONEncoder)


def test_ready_json_equals_the_validated_rendering_for_every_kind_of_reader(team: Team) -> None:
    services.update_customer(
        actor=team.admin,
        customer_id=team.customer.pk,
        values={"level": "gold", "points": 12},
        expected_version=1,
        tags=[team.tag.pk],
    )
    for actor in (team.admin, team.owner, team.manager):
        data = selectors.get_customer(actor=actor, customer_id=team.customer.pk)
        fast, slow = json.loads(customer_json(data)), json.loads(_ninja_json(data))
        assert fast == slow
        assert list(fast) == list(slow)  # the schema's order
        assert fast["tags"] and fast["masked"] and fast["created_at"].endswith("Z")


def test_ready_json_writes_what_orjson_cannot_as_ninja_would(team: Team) -> None:
    data = selectors.get_customer(actor=team.admin, customer_id=team.customer.pk)
    data["values"]["points"] = 2**70
    assert json.loads(customer_json(data)) == json.loads(_ninja_json(data))


def test_the_api_answers_the_same_json_as_before(team: Team, api_as: Callable[..., Any]) -> None:
    response = api_as(team.owner).get(url(team))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    data = selectors.get_customer(actor=team.owner, customer_id=team.customer.pk)
    assert response.json() == json.loads(_ninja_json(data))
    assert "張三" in response.content.decode()
