"""Phone search: the last four digits (keyed index) and the service desk's exact-phone find."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.customers import services
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.tests.page_helpers import client_for, text_of
from dossier.privacy.erasure import erase_customer
from dossier.templates.models import Template
from dossier.templates.selectors import get_template

pytestmark = pytest.mark.django_db

CALLER = "13912345678"
WHOLE_CALLER = "+8613912345678"


@pytest.fixture
def desk(make_user: Callable[..., User]) -> dict[str, Any]:
    """An east service user; a west service user's after-sales customer; a west sales lead."""
    admin = make_user("boss", roles.ADMIN)
    east_service = make_user("kefu", roles.SERVICE, team="east")
    west_service = make_user("xi.kefu", roles.SERVICE, team="west")
    west_sales = make_user("xi.xiaoshou", roles.SALES, team="west")
    east_sales = make_user("dong.xiaoshou", roles.SALES, team="east")
    repair = services.create_customer(
        actor=admin,
        template=get_template(key="after_sales_service"),
        owner=west_service,
        values={
            "display_name": "来电客户",
            "phone": CALLER,
            "product_model": "X1",
            "email": "caller@example.com",
            "installation_address": "上海市浦东新区世纪大道100号",
        },
    )
    lead = services.create_customer(
        actor=admin,
        template=get_template(key="sales_lead"),
        owner=west_sales,
        values={"display_name": "销售线索", "phone": "13700137000", "source": "web"},
    )
    return {
        "admin": admin,
        "service": east_service,
        "sales": east_sales,
        "repair": repair,
        "lead": lead,
    }


def _ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_service_finds_another_owners_after_sales_customer_by_exact_phone_masked(
    desk: dict[str, Any], api_as: Callable[..., Any]
) -> None:
    found = api_as(desk["service"]).get(f"/customers?q={CALLER}")
    assert _ids(found) == [str(desk["repair"].pk)]
    item = found.json()["items"][0]
    assert item["values"]["phone"] == WHOLE_CALLER  # the number typed, whole
    assert item["values"]["display_name"] == "来电客户"
    assert item["values"]["email"] != "caller@example.com"  # everything else personal: masked
    assert "世纪大道" not in str(item["values"])
    assert {"email", "installation_address"} <= set(item["masked"])
    assert "phone" not in item["masked"]
    event = AuditEvent.objects.get(customer_id=desk["repair"].pk, action="view_sensitive")
    assert event.actor == desk["service"] and event.changes == {"lookup": ["phone"]}
    # written as people write it, with a 0086 prefix, the same find
    assert _ids(api_as(desk["service"]).get("/customers?q=139+1234+5678")) == [
        str(desk["repair"].pk)
    ]


def test_service_finds_nobody_elses_customer_by_name_or_last_digits(
    desk: dict[str, Any], api_as: Callable[..., Any]
) -> None:
    client = api_as(desk["service"])
    assert _ids(client.get("/customers?q=来电客户")) == []
    assert _ids(client.get("/customers?q=5678")) == []
    assert _ids(client.get("/customers")) == []
    # nor an exact phone of a customer outside its scenarios (a sales lead)
    assert _ids(client.get("/customers?q=13700137000")) == []
    assert not AuditEvent.objects.filter(action="view_sensitive").exists()
    # nor may it open the record it found
    assert client.get(f"/customers/{desk['repair'].pk}").status_code == 404


def test_sales_cannot_find_another_owners_customer_by_exact_phone(
    desk: dict[str, Any], api_as: Callable[..., Any]
) -> None:
    assert _ids(api_as(desk["sales"]).get("/customers?q=13700137000")) == []
    assert _ids(api_as(desk["sales"]).get(f"/customers?q={CALLER}")) == []


def test_service_does_not_find_erased_or_deleted_customers(
    desk: dict[str, Any], api_as: Callable[..., Any]
) -> None:
    services.delete_customer(actor=desk["admin"], customer_id=desk["repair"].pk)
    assert _ids(api_as(desk["service"]).get(f"/customers?q={CALLER}")) == []
    services.restore_customer(actor=desk["admin"], customer_id=desk["repair"].pk)
    erase_customer(actor=desk["admin"], customer_id=desk["repair"].pk)
    assert _ids(api_as(desk["service"]).get(f"/customers?q={CALLER}")) == []


def test_service_desk_page_lists_the_caller_without_a_link_to_the_record(
    desk: dict[str, Any],
) -> None:
    page = text_of(client_for(desk["service"]).get(f"/customers/?q={CALLER}"))
    assert "来电客户" in page and "139 1234 5678" in page
    assert f"/customers/{desk['repair'].pk}/" not in page


def test_last_four_digits_find_own_customers_for_those_who_see_phones(
    make_user: Callable[..., User], member_template: Template, api_as: Callable[..., Any]
) -> None:
    seller = make_user("li.na", roles.SALES, team="east")
    marketer = make_user("ma", roles.MARKETING, team="east")
    mine = services.create_customer(
        actor=seller, template=member_template, values={"display_name": "张三", "phone": CALLER}
    )
    other = services.create_customer(
        actor=seller,
        template=member_template,
        values={"display_name": "李四", "phone": "13800138000"},
    )
    services.share_customer(actor=seller, customer_id=mine.pk, user=marketer)
    assert _ids(api_as(seller).get("/customers?q=5678")) == [str(mine.pk)]
    assert _ids(api_as(seller).get("/customers?q=５６７８")) == [str(mine.pk)]  # full width
    assert _ids(api_as(seller).get("/customers?q=8000")) == [str(other.pk)]
    assert _ids(api_as(seller).get("/customers?q=0000")) == []
    assert _ids(api_as(seller).get("/customers?q=678")) == []  # four digits, no fewer
    # marketing may not see phones whole, so may not search by them either
    assert _ids(api_as(marketer).get("/customers?q=5678")) == []


def test_last_four_lookup_is_keyed_never_plaintext(
    make_user: Callable[..., User], member_template: Template
) -> None:
    seller = make_user("li.na", roles.SALES, team="east")
    customer = services.create_customer(
        actor=seller, template=member_template, values={"display_name": "张三", "phone": CALLER}
    )
    row = CustomerLookup.objects.get(customer=customer, field="phone:last4")
    assert "5678" not in row.digest and len(row.digest) == 64
    # changing the phone changes the lookup; the old ending no longer finds the customer
    services.update_customer(
        actor=seller, customer_id=customer.pk, values={"phone": "13800138000"}, expected_version=1
    )
    assert CustomerLookup.objects.get(customer=customer, field="phone:last4").digest != row.digest


def test_reindex_backfills_the_last_four_lookups(
    make_user: Callable[..., User], member_template: Template, api_as: Callable[..., Any]
) -> None:
    seller = make_user("li.na", roles.SALES, team="east")
    customer = services.create_customer(
        actor=seller, template=member_template, values={"display_name": "张三", "phone": CALLER}
    )
    before = dict(CustomerLookup.objects.filter(customer=customer).values_list("field", "digest"))
    # as stored before the last-four lookups existed
    CustomerLookup.objects.filter(field__endswith=":last4").delete()
    assert _ids(api_as(seller).get("/customers?q=5678")) == []
    out = io.StringIO()
    call_command("reindex", stdout=out)
    assert "Reindexed 1 customers" in out.getvalue()
    after = dict(CustomerLookup.objects.filter(customer=customer).values_list("field", "digest"))
    assert after == before
    assert _ids(api_as(seller).get("/customers?q=5678")) == [str(customer.pk)]
    assert Customer.objects.count() == 1


def test_migration_backfills_through_the_same_service(
    make_user: Callable[..., User], member_template: Template
) -> None:
    from django.apps import apps

    migration = importlib.import_module("dossier.customers.migrations.0010_phone_last4_lookups")
    seller = make_user("li.na", roles.SALES, team="east")
    customer = services.create_customer(
        actor=seller, template=member_template, values={"display_name": "张三", "phone": CALLER}
    )
    CustomerLookup.objects.filter(field__endswith=":last4").delete()
    migration.backfill(apps, None)
    assert CustomerLookup.objects.filter(customer=customer, field="phone:last4").exists()
