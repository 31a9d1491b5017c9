"""Who may make whom a customer's owner: through the API as each role, and in batches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.customers import services
from dossier.customers.models import Customer
from dossier.customers.tests.api_helpers import Team, codes, url
from dossier.customers.tests.service_helpers import errors_of
from dossier.templates.selectors import get_template

NEW = {"display_name": "李四", "phone": "13900139000"}


def create(client: Any, owner: str, template: str = "member") -> Any:
    return client.post("/customers", {"template": template, "values": NEW, "owner": owner})


def unchanged(team: Team) -> None:
    team.customer.refresh_from_db()
    assert team.customer.owner == team.owner and team.customer.version == 1
    assert team.customer.attributes.get("points") is None
    assert not AuditEvent.objects.filter(action="update", customer_id=team.customer.pk).exists()


def test_sales_may_not_give_a_new_customer_to_anyone_else(
    team: Team, api_as: Callable[..., Any]
) -> None:
    client = api_as(team.owner)
    for other in ("zhao", "an", "wang", "boss"):
        refused = create(client, other)
        assert refused.status_code == 403, other
        assert refused.json()["code"] == "owner_not_allowed"
    assert Customer.objects.count() == 1
    chinese = client.post(
        "/customers",
        {"template": "member", "values": NEW, "owner": "zhao"},
        headers={"Accept-Language": "zh-hans"},
    )
    assert chinese.json()["message"] == "你无权将客户交给该用户。"
    mine = create(client, "li.na")
    assert mine.status_code == 201 and mine.json()["owner"] == "li.na"


def test_sales_may_not_hand_their_customer_to_anyone_else(
    team: Team, api_as: Callable[..., Any]
) -> None:
    for other in ("zhao", "an"):
        refused = api_as(team.owner).patch(
            url(team), {"version": 1, "values": {"points": 5}, "owner": other}
        )
        assert refused.status_code == 403
    unchanged(team)
    with pytest.raises(PermissionDenied):
        services.assign_owner(actor=team.owner, customer_id=team.customer.pk, owner=team.stranger)
    unchanged(team)


def test_a_manager_assigns_within_their_team_only(
    team: Team, api_as: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    colleague = make_user("east-service", roles.SERVICE, team="east")
    make_user("east-analyst", roles.ANALYST, team="east")
    client = api_as(team.manager)
    assert api_as(team.manager).patch(url(team), {"version": 1, "owner": "zhao"}).status_code == 403
    not_eligible = client.patch(url(team), {"version": 1, "owner": "east-analyst"})
    assert not_eligible.status_code == 422
    assert codes(not_eligible) == {("owner", "owner_not_eligible")}
    unchanged(team)
    moved = client.patch(url(team), {"version": 1, "owner": "east-service"})
    assert moved.status_code == 200 and moved.json()["owner"] == "east-service"
    event = AuditEvent.objects.get(action="update", customer_id=team.customer.pk)
    assert event.changes == {"owner": {"before": "li.na", "after": "east-service"}}
    team.customer.refresh_from_db()
    assert team.customer.owner == colleague
    assert create(client, "zhao").status_code == 403
    assert create(client, "east-service").status_code == 201


def test_nobody_gives_a_customer_to_someone_who_cannot_hold_it(
    team: Team, api_as: Callable[..., Any], make_user: Callable[..., User]
) -> None:
    admin = api_as(team.admin)
    analyst = create(admin, "an", template="member")
    assert analyst.status_code == 422 and codes(analyst) == {("owner", "owner_not_eligible")}
    patched = admin.patch(url(team), {"version": 1, "values": {"points": 5}, "owner": "an"})
    assert patched.status_code == 422 and codes(patched) == {("owner", "owner_not_eligible")}
    unchanged(team)
    # sales do not work after-sales: a seller cannot own such a customer
    repair = admin.post(
        "/customers",
        {
            "template": "after_sales_service",
            "values": {**NEW, "product_model": "X1"},
            "owner": "zhao",
        },
        headers={"Accept-Language": "zh-hans"},
    )
    assert repair.status_code == 422
    assert repair.json()["errors"][0]["message"].startswith("负责人：zhao不能负责该模板的客户")
    # an inactive user holds nothing (the API does not even find them)
    team.stranger.is_active = False
    team.stranger.save()
    with pytest.raises(ValidationFailed) as caught:
        services.create_customer(
            actor=team.admin, template=team.customer.template, values=NEW, owner=team.stranger
        )
    assert errors_of(caught) == {("owner", "owner_not_eligible")}
    assert Customer.objects.count() == 1


def test_an_admin_reassignment_is_audited_with_both_owners(
    team: Team, api_as: Callable[..., Any]
) -> None:
    created = create(api_as(team.admin), "zhao")
    assert created.status_code == 201 and created.json()["owner"] == "zhao"
    event = AuditEvent.objects.get(action="create", customer_id=created.json()["id"])
    assert event.changes["owner"] == {"before": None, "after": "zhao"}
    moved = api_as(team.admin).patch(url(team), {"version": 1, "owner": "zhao"})
    assert moved.status_code == 200 and moved.json()["owner"] == "zhao"
    event = AuditEvent.objects.get(action="update", customer_id=team.customer.pk)
    assert event.changes == {"owner": {"before": "li.na", "after": "zhao"}}


def test_batches_check_the_owner_too(team: Team) -> None:
    template = team.customer.template
    with pytest.raises(PermissionDenied):
        services.create_customers(
            actor=team.owner, template=template, rows=[NEW], owner=team.stranger
        )
    with pytest.raises(ValidationFailed) as caught:
        services.create_customers(
            actor=team.admin, template=template, rows=[NEW], owner=team.analyst
        )
    assert errors_of(caught) == {("owner", "owner_not_eligible")}
    with pytest.raises(PermissionDenied):
        services.upsert_customers(
            actor=team.manager, template=template, rows=[NEW], owner=team.stranger
        )
    repair = get_template(key="after_sales_service")
    with pytest.raises(ValidationFailed):
        services.create_customers(
            actor=team.admin,
            template=repair,
            rows=[{**NEW, "product_model": "X1"}],
            owner=team.owner,
        )
    assert Customer.objects.count() == 1
    result = services.create_customers(
        actor=team.manager, template=template, rows=[NEW], owner=team.owner
    )
    assert [c.owner for c in result.created] == [team.owner]
