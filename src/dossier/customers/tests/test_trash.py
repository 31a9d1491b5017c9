"""The trash: deleted customers listed and restored by those who may, and erased customers."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dossier.audit.models import AuditEvent
from dossier.customers import services
from dossier.customers.models import Customer
from dossier.customers.tests.api_helpers import Team
from dossier.customers.tests.page_helpers import client_for, text_of
from dossier.privacy.erasure import erase_customer
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db


def _west_customer(team: Team, template: Template) -> Customer:
    return services.create_customer(
        actor=team.stranger,
        template=template,
        values={"display_name": "西部客户", "phone": "13900139000"},
    )


def _delete(team: Team, *customers: Customer) -> None:
    for customer in customers:
        services.delete_customer(actor=team.admin, customer_id=customer.pk)


def test_manager_trash_holds_only_their_teams_deleted_customers(
    team: Team, member_template: Template, api_as: Callable[..., Any]
) -> None:
    west = _west_customer(team, member_template)
    _delete(team, team.customer, west)
    listed = api_as(team.manager).get("/customers/trash")
    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [str(team.customer.pk)]
    assert listed.json()["items"][0]["deleted_at"]
    everyone = api_as(team.admin).get("/customers/trash").json()["items"]
    assert {item["id"] for item in everyone} == {str(team.customer.pk), str(west.pk)}
    for actor in (team.owner, team.stranger, team.marketer, team.analyst):
        assert api_as(actor).get("/customers/trash").status_code == 403
    page = text_of(client_for(team.manager).get("/customers/trash/"))
    assert "張三" in page and "西部客户" not in page
    assert client_for(team.owner).get("/customers/trash/").status_code == 403


def test_manager_restores_their_teams_customer_and_the_restore_is_audited(
    team: Team, member_template: Template, api_as: Callable[..., Any]
) -> None:
    west = _west_customer(team, member_template)
    _delete(team, team.customer, west)
    # another team's deleted customer is not even known to the manager
    assert api_as(team.manager).post(f"/customers/{west.pk}/restore").status_code == 404
    # the owner (sales) may not delete, so may not restore either
    assert api_as(team.owner).post(f"/customers/{team.customer.pk}/restore").status_code == 403
    response = api_as(team.manager).post(f"/customers/{team.customer.pk}/restore")
    assert response.status_code == 200
    assert response.json()["values"]["display_name"] == "張三"
    assert Customer.objects.get(pk=team.customer.pk).deleted_at is None
    assert Customer.objects.get(pk=west.pk).deleted_at is not None
    event = AuditEvent.objects.filter(customer_id=team.customer.pk).first()
    assert event is not None and (event.action, event.actor) == ("restore", team.manager)
    # restoring a customer that is not deleted is a 404, not a second restore
    assert api_as(team.admin).post(f"/customers/{team.customer.pk}/restore").status_code == 404


def test_restore_page_brings_the_customer_back_and_refuses_other_teams(
    team: Team, member_template: Template
) -> None:
    west = _west_customer(team, member_template)
    _delete(team, team.customer, west)
    client = client_for(team.manager)
    assert client.post(f"/customers/{west.pk}/restore/").status_code == 404
    response = client.post(f"/customers/{team.customer.pk}/restore/")
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{team.customer.pk}/"
    assert Customer.objects.get(pk=team.customer.pk).deleted_at is None
    assert client.get("/customers/trash/").content.decode().count("/restore/") == 0


def test_restore_page_reports_a_unique_value_taken_meanwhile(
    team: Team, member_template: Template
) -> None:
    first = services.create_customer(
        actor=team.owner,
        template=member_template,
        values={"display_name": "甲", "phone": "13800138001", "member_no": "M000009"},
    )
    _delete(team, first)
    services.create_customer(
        actor=team.owner,
        template=member_template,
        values={"display_name": "乙", "phone": "13800138002", "member_no": "M000009"},
    )
    client = client_for(team.admin)
    response = client.post(f"/customers/{first.pk}/restore/", follow=True)
    assert response.redirect_chain[-1][0] == "/customers/trash/"
    assert "Member number" in text_of(response)
    assert Customer.objects.get(pk=first.pk).deleted_at is not None


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("customers", *args, stdout=out)
    return out.getvalue()


def test_command_lists_the_trash_and_restores_as_the_system_or_a_user(
    team: Team, member_template: Template
) -> None:
    west = _west_customer(team, member_template)
    _delete(team, team.customer, west)
    listing = _run("trash")
    assert str(team.customer.pk) in listing and str(west.pk) in listing
    assert "張三" not in listing  # ids only on the console
    with pytest.raises(CommandError, match="not a customer id"):
        _run("restore", "nonsense")
    with pytest.raises(CommandError, match="may not restore"):
        _run("restore", str(west.pk), "--as", team.owner.username)
    with pytest.raises(CommandError, match="No such deleted customer"):
        _run("restore", str(west.pk), "--as", team.manager.username)
    assert "Restored" in _run("restore", str(west.pk))
    assert Customer.objects.get(pk=west.pk).deleted_at is None
    event = AuditEvent.objects.filter(customer_id=west.pk, action="restore").get()
    assert event.actor is None  # the system
    assert "Restored" in _run("restore", str(team.customer.pk), "--as", team.manager.username)


@pytest.fixture
def erased(team: Team) -> Customer:
    erase_customer(actor=team.admin, customer_id=team.customer.pk)
    return Customer.objects.get(pk=team.customer.pk)


def test_erased_customer_leaves_the_default_list_but_can_be_asked_for(
    team: Team, erased: Customer, api_as: Callable[..., Any]
) -> None:
    assert api_as(team.admin).get("/customers").json()["items"] == []
    only = api_as(team.admin).get("/customers?erased=true").json()["items"]
    assert [item["id"] for item in only] == [str(erased.pk)]
    client = client_for(team.manager)
    assert erased.display_name not in text_of(client.get("/customers/"))
    assert erased.display_name in text_of(client.get("/customers/?erased=only"))


def test_erased_customer_detail_is_read_only(team: Team, erased: Customer) -> None:
    client = client_for(team.manager)
    page = text_of(client.get(f"/customers/{erased.pk}/"))
    assert 'id="erased"' in page
    assert f"/customers/{erased.pk}/edit/" not in page
    assert f"/customers/{erased.pk}/delete/" not in page
    edit = client.get(f"/customers/{erased.pk}/edit/")
    assert (edit.status_code, edit["Location"]) == (302, f"/customers/{erased.pk}/")


def test_live_customer_detail_still_offers_edit_and_delete(team: Team) -> None:
    page = text_of(client_for(team.manager).get(f"/customers/{team.customer.pk}/"))
    assert f"/customers/{team.customer.pk}/edit/" in page
    assert f"/customers/{team.customer.pk}/delete/" in page
    assert 'id="erased"' not in page


def test_trash_page_speaks_chinese(team: Team) -> None:
    _delete(team, team.customer)
    client = client_for(team.manager)
    client.cookies["django_language"] = "zh-hans"
    page = text_of(client.get("/customers/trash/"))
    assert "已删除的客户" in page and "恢复" in page
