"""Who sees which customers: access.restrict, and the selectors that start from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, User

from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.customers import selectors, services
from dossier.customers.access import restrict
from dossier.customers.models import Customer
from dossier.templates.models import Template


@dataclass
class Office:
    admin: User
    manager: User
    east_sales: User
    east_service: User
    west_sales: User
    marketer: User
    analyst: User
    customers: dict[str, Customer]


@pytest.fixture
def office(make_user: Callable[..., User], member_template: Template) -> Office:
    admin = make_user("admin", roles.ADMIN)
    office = Office(
        admin=admin,
        manager=make_user("east-manager", roles.MANAGER, team="east"),
        east_sales=make_user("east-sales", roles.SALES, team="east"),
        east_service=make_user("east-service", roles.SERVICE, team="east"),
        west_sales=make_user("west-sales", roles.SALES, team="west"),
        marketer=make_user("marketer", roles.MARKETING),
        analyst=make_user("analyst", roles.ANALYST),
        customers={},
    )
    owners = {
        "east_a": office.east_sales,
        "east_b": office.east_service,
        "west_a": office.west_sales,
        "west_shared": office.west_sales,
        "managers_own": office.manager,
        "gone": office.east_sales,
        "marketers": office.marketer,
    }
    for number, (name, owner) in enumerate(owners.items()):
        office.customers[name] = services.create_customer(
            actor=admin,
            template=member_template,
            values={"display_name": name, "phone": f"1380013{number:04d}"},
            owner=owner,
        )
    services.share_customer(
        actor=admin, customer_id=office.customers["west_shared"].pk, user=office.east_sales
    )
    services.delete_customer(actor=admin, customer_id=office.customers["gone"].pk)
    return office


def visible(actor: object, action: str = "view") -> set[str]:
    return set(
        restrict(Customer.objects.all(), actor, action).values_list("display_name", flat=True)
    )


ALL_LIVE = {"east_a", "east_b", "west_a", "west_shared", "managers_own", "marketers"}


def test_admin_sees_every_live_customer(office: Office) -> None:
    assert visible(office.admin) == ALL_LIVE
    assert visible(office.admin, "delete") == ALL_LIVE


def test_superuser_without_role_sees_everything(office: Office) -> None:
    root = User.objects.create_superuser("root", password="x" * 12)
    assert visible(root) == ALL_LIVE


def test_manager_sees_team_and_own(office: Office) -> None:
    # the marketer's customer got the marketer's (empty) team, so the manager does not see it
    assert visible(office.manager) == {"east_a", "east_b", "managers_own"}
    assert visible(office.manager, "delete") == {"east_a", "east_b", "managers_own"}


def test_sales_sees_own_and_shared_only(office: Office) -> None:
    assert visible(office.east_sales) == {"east_a", "west_shared"}
    assert visible(office.west_sales) == {"west_a", "west_shared"}
    assert visible(office.east_service) == {"east_b"}


def test_sales_may_change_but_not_delete_or_export(office: Office) -> None:
    assert visible(office.east_sales, "change") == {"east_a", "west_shared"}
    assert visible(office.east_sales, "delete") == set()
    assert visible(office.east_sales, "export") == set()


def test_marketing_sees_own_but_may_not_change(office: Office) -> None:
    assert visible(office.marketer) == {"marketers"}
    assert visible(office.marketer, "change") == set()


def test_analyst_anonymous_inactive_and_roleless_see_nothing(office: Office) -> None:
    assert visible(office.analyst) == set()
    assert visible(AnonymousUser()) == set()
    assert visible(None) == set()
    office.east_sales.is_active = False
    assert visible(office.east_sales) == set()
    assert visible(User.objects.create_user("nobody", password="x" * 12)) == set()


def test_deleted_customers_hidden_from_everyone(office: Office) -> None:
    gone = office.customers["gone"]
    for actor in (office.admin, office.manager, office.east_sales):
        assert "gone" not in visible(actor)
        with pytest.raises(NotFound):
            selectors.get_customer(actor=actor, customer_id=gone.pk)


def test_selectors_apply_the_same_rule(office: Office) -> None:
    page = selectors.customer_list(actor=office.east_sales, limit=200)
    assert {item["values"]["display_name"] for item in page.items} == {"east_a", "west_shared"}
    with pytest.raises(NotFound):
        selectors.get_customer(actor=office.east_sales, customer_id=office.customers["west_a"].pk)
    with pytest.raises(NotFound):
        selectors.get_customer(actor=office.analyst, customer_id=office.customers["east_a"].pk)
    with pytest.raises(NotFound):
        selectors.get_customer(actor=office.admin, customer_id="not-a-uuid")
    with pytest.raises(PermissionDenied):
        selectors.customer_list(actor=office.analyst)


def test_search_cannot_find_what_restrict_hides(office: Office) -> None:
    filters = selectors.CustomerFilters(q="13800130002")  # west_a's phone
    assert selectors.customer_list(actor=office.east_sales, filters=filters).items == []
    [found] = selectors.customer_list(actor=office.west_sales, filters=filters).items
    assert found["values"]["display_name"] == "west_a"


def test_reassigned_customer_follows_the_new_owner(office: Office) -> None:
    services.assign_owner(
        actor=office.admin, customer_id=office.customers["west_a"].pk, owner=office.east_sales
    )
    assert "west_a" in visible(office.east_sales)
    assert "west_a" in visible(office.manager)
    assert "west_a" not in visible(office.west_sales)


@pytest.mark.django_db
def test_allows_agrees_with_restrict_for_every_role_and_action(
    make_user: Any, member_template: Any
) -> None:
    """The one-row rule (used by the single-customer read) is the same rule as restrict."""
    from dossier.core import roles as role_names
    from dossier.customers.access import allows, restrict
    from dossier.customers.models import Customer
    from dossier.customers.rows import fetch_customer
    from dossier.customers.services import create_customer, delete_customer, share_customer

    boss = make_user("ada", role_names.ADMIN)
    east_sales = make_user("east-seller", role_names.SALES, team="east")
    west_sales = make_user("west-seller", role_names.SALES, team="west")
    people = [
        boss,
        east_sales,
        west_sales,
        make_user("east-boss", role_names.MANAGER, team="east"),
        make_user("west-boss", role_names.MANAGER, team="west"),
        make_user("promo", role_names.MARKETING, team="east"),
        make_user("numbers", role_names.ANALYST),
        make_user("helpdesk", role_names.SERVICE, team="west"),
    ]
    made = []
    for number, owner in enumerate([east_sales, west_sales, boss, east_sales]):
        made.append(
            create_customer(
                actor=owner,
                template=member_template,
                values={"display_name": f"客户{number}", "phone": f"1380013800{number}"},
            )
        )
    share_customer(actor=east_sales, customer_id=made[0].pk, user=people[-1])
    delete_customer(actor=boss, customer_id=made[3].pk)
    for person in people:
        for action in ("view", "change", "delete", "export"):
            allowed_ids = set(
                restrict(Customer.objects.all(), person, action).values_list("pk", flat=True)
            )
            for customer in Customer.objects.all():
                assert allows(person, customer, action) == (customer.pk in allowed_ids), (
                    person.username,
                    action,
                    customer.display_name,
                )
                # the single-customer read's row (live customers only) gets the same answer
                row = fetch_customer(customer.pk)
                assert (row is None) == (customer.deleted_at is not None)
                if row is not None:
                    assert allows(person, row, action) == (customer.pk in allowed_ids), (
                        person.username,
                        action,
                        customer.display_name,
                    )


@pytest.mark.django_db
def test_roles_see_and_create_only_customers_of_their_scenarios(make_user: Any) -> None:
    from dossier.core import roles as role_names
    from dossier.customers.access import allows, restrict
    from dossier.customers.models import Customer
    from dossier.customers.services import create_customer
    from dossier.templates.selectors import get_template, template_list

    boss = make_user("ada", role_names.ADMIN)
    seller = make_user("seller", role_names.SALES, team="east")
    helper = make_user("helper", role_names.SERVICE, team="east")
    repair = get_template(key="after_sales_service")
    values = {"display_name": "维修客户", "phone": "13800138000", "product_model": "X1"}
    # after-sales work is not sales work: the seller cannot be made its owner …
    with pytest.raises(ValidationFailed) as refused_owner:
        create_customer(actor=boss, template=repair, owner=seller, values=values)
    assert [(e.field, e.code) for e in refused_owner.value.errors] == [
        ("owner", "owner_not_eligible")
    ]
    ticket = create_customer(actor=boss, template=repair, values=values)
    # … and one who holds it anyway (moved from service to sales since) does not see it
    Customer.objects.filter(pk=ticket.pk).update(owner=seller)
    assert not restrict(Customer.objects.all(), seller, "view").filter(pk=ticket.pk).exists()
    assert not allows(seller, Customer.objects.get(pk=ticket.pk), "view")
    with pytest.raises(NotFound):
        selectors.get_customer(actor=seller, customer_id=ticket.pk)
    with pytest.raises(PermissionDenied) as refused:
        create_customer(
            actor=seller, template=repair, values={"display_name": "x", "phone": "13800138001"}
        )
    assert refused.value.code == "scenario_not_allowed"
    assert "after_sales_service" not in {t.key for t in template_list(actor=seller)}
    # service staff work after-sales: shared with them, they see it
    services.share_customer(actor=boss, customer_id=ticket.pk, user=helper)
    assert (
        selectors.get_customer(actor=helper, customer_id=ticket.pk)["values"]["display_name"]
        == "维修客户"
    )
    assert "after_sales_service" in {t.key for t in template_list(actor=helper)}
