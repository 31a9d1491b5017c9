"""Unique template fields are unique in the database too: races, shared values from before."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction

from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.customers import services
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.tests.api_helpers import Team, codes, url
from dossier.customers.tests.service_helpers import errors_of, id_number, new_customer
from dossier.templates.models import Template

unique_index_migration = importlib.import_module(
    "dossier.customers.migrations.0003_lookup_unique_values"
)


def member_lookup(customer: Customer) -> CustomerLookup:
    return CustomerLookup.objects.get(customer=customer, field="member_no")


@pytest.fixture
def rival_before_save() -> Iterator[
    Callable[[Callable[[Customer], bool], Callable[[], Any]], None]
]:
    """Run ``rival()`` once, just before a matching customer is saved: after this write's
    uniqueness check, before its own rows go in, as a parallel request would."""
    original_save = Customer.save
    armed: list[tuple[Callable[[Customer], bool], Callable[[], Any], list[bool]]] = []

    def save(instance: Customer, *args: Any, **kwargs: Any) -> None:
        for matches, rival, fired in armed:
            if not fired and matches(instance):
                fired.append(True)
                rival()
        original_save(instance, *args, **kwargs)

    def arm(matches: Callable[[Customer], bool], rival: Callable[[], Any]) -> None:
        armed.append((matches, rival, []))

    with mock.patch.object(Customer, "save", save):
        yield arm


def test_the_database_refuses_a_second_holder_of_a_unique_value(
    sales_user: User, member_template: Template
) -> None:
    first = new_customer(sales_user, member_template, member_no="M000001")
    second = new_customer(sales_user, member_template, phone="13800138001")
    taken = member_lookup(first)
    assert taken.unique and taken.template_id == member_template.pk
    # a phone number is identifying but not unique: looked up, never indexed as unique
    assert not CustomerLookup.objects.get(customer=first, field="phone").unique
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerLookup.objects.create(
            customer=second,
            template=member_template,
            field="member_no",
            digest=taken.digest,
            unique=True,
        )


def test_create_racing_another_for_the_same_value_is_422_on_the_field(
    team: Team, api_as: Callable[..., Any], rival_before_save: Any
) -> None:
    values = {"display_name": "李四", "phone": "13900139000", "member_no": "M000002"}
    rival_before_save(
        lambda c: c.display_name == "李四",
        lambda: services.create_customer(
            actor=team.admin,
            template=team.customer.template,
            values={**values, "display_name": "王五", "phone": "13700137000"},
        ),
    )
    response = api_as(team.owner).post("/customers", {"template": "member", "values": values})
    assert response.status_code == 422
    assert codes(response) == {("member_no", "not_unique")}
    assert not Customer.objects.filter(display_name="李四").exists()


def test_edit_racing_another_for_the_same_value_is_422_and_changes_nothing(
    team: Team, api_as: Callable[..., Any], rival_before_save: Any
) -> None:
    rival_before_save(
        lambda c: c.pk == team.customer.pk,
        lambda: new_customer(team.admin, team.customer.template, member_no="M000009"),
    )
    response = api_as(team.owner).patch(
        url(team), {"version": 1, "values": {"member_no": "M000009"}}
    )
    assert response.status_code == 422
    assert codes(response) == {("member_no", "not_unique")}
    team.customer.refresh_from_db()
    assert team.customer.version == 1 and team.customer.attributes["member_no"] == "M000001"


def _share_member_no(holder: Customer, other: Customer) -> None:
    """Give ``other`` the member number of ``holder``, as a race did before the index."""
    digest = member_lookup(holder).digest
    other.attributes["member_no"] = holder.attributes["member_no"]
    other.save(update_fields=["attributes"])
    CustomerLookup.objects.filter(customer=other, field="member_no").update(digest=digest)


@pytest.fixture
def shared(sales_user: User, member_template: Template) -> tuple[Customer, Customer, Customer]:
    """Two customers sharing a member number from before the unique index, one on its own;
    the index filled the way migration 0002 fills it."""
    first = new_customer(sales_user, member_template, display_name="甲", member_no="M000001")
    second = new_customer(
        sales_user, member_template, display_name="乙", phone="13800138001", member_no="M000002"
    )
    alone = new_customer(
        sales_user,
        member_template,
        display_name="丙",
        phone="13800138002",
        member_no="M000003",
        id_number=id_number("11010519491231001"),
    )
    CustomerLookup.objects.update(unique=False)
    _share_member_no(first, second)
    unique_index_migration.mark_unique_values(apps, None)
    return first, second, alone


def test_migration_leaves_values_already_shared_out_of_the_unique_index(
    shared: tuple[Customer, Customer, Customer], admin_user: User, sales_user: User
) -> None:
    first, second, alone = shared
    assert not member_lookup(first).unique and not member_lookup(second).unique
    assert member_lookup(alone).unique
    assert CustomerLookup.objects.get(customer=alone, field="id_number").unique
    assert not CustomerLookup.objects.filter(field="phone", unique=True).exists()
    # deleted customers hold nothing
    services.delete_customer(actor=admin_user, customer_id=alone.pk)
    CustomerLookup.objects.update(unique=False)
    unique_index_migration.mark_unique_values(apps, None)
    assert not CustomerLookup.objects.filter(customer=alone, unique=True).exists()
    # the shared value is still refused to anyone new
    with pytest.raises(ValidationFailed) as caught:
        new_customer(sales_user, first.template, phone="13800138005", member_no="M000001")
    assert errors_of(caught) == {("member_no", "not_unique")}


def test_customers_sharing_a_value_from_before_can_still_be_edited_and_fixed(
    shared: tuple[Customer, Customer, Customer], sales_user: User, api_as: Callable[..., Any]
) -> None:
    first, second, _alone = shared
    client = api_as(sales_user)
    # an edit that leaves the shared field alone goes through, and the value stays shared
    response = client.patch(f"/customers/{first.pk}", {"version": 1, "values": {"points": 5}})
    assert response.status_code == 200
    assert not member_lookup(first).unique
    # an edit to another shared value is refused: the index holds from then on
    response = client.patch(f"/customers/{second.pk}", {"version": 1, "values": {"points": 1}})
    assert response.status_code == 200
    refused = client.patch(
        f"/customers/{second.pk}", {"version": 2, "values": {"member_no": "M000003"}}
    )
    assert refused.status_code == 422 and codes(refused) == {("member_no", "not_unique")}
    # fixing one of the pair is allowed, and its new value goes into the index
    fixed = client.patch(
        f"/customers/{second.pk}", {"version": 2, "values": {"member_no": "M000004"}}
    )
    assert fixed.status_code == 200
    assert member_lookup(second).unique
    # the other keeps its value; its next edit finds it no longer shared and indexes it
    assert client.patch(f"/customers/{first.pk}", {"version": 2, "values": {}}).status_code == 200
    assert member_lookup(first).unique


def test_deleting_frees_a_unique_value_and_restoring_claims_it_again(
    sales_user: User, admin_user: User, member_template: Template
) -> None:
    gone = new_customer(sales_user, member_template, member_no="M000001")
    services.delete_customer(actor=admin_user, customer_id=gone.pk)
    assert not member_lookup(gone).unique
    taker = new_customer(sales_user, member_template, phone="13800138001", member_no="M000001")
    with pytest.raises(ValidationFailed) as caught:
        services.restore_customer(actor=admin_user, customer_id=gone.pk)
    assert errors_of(caught) == {("member_no", "not_unique")}
    services.update_customer(
        actor=sales_user,
        customer_id=taker.pk,
        values={"member_no": "M000002"},
        expected_version=1,
    )
    services.restore_customer(actor=admin_user, customer_id=gone.pk)
    assert member_lookup(gone).unique


@pytest.mark.django_db(transaction=True)
def test_parallel_creates_with_the_same_unique_values_store_one_customer(
    make_user: Callable[..., User], member_template: Template, api_as: Callable[..., Any]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time; the race needs PostgreSQL")
    clients = [api_as(make_user(f"seller{n}", roles.SALES, team="east")) for n in range(6)]
    start = threading.Barrier(len(clients))
    answers: list[Any] = [None] * len(clients)

    def post(number: int) -> None:
        try:
            start.wait()
            values = {
                "display_name": f"客户{number}",
                "phone": f"1390013900{number}",
                "member_no": "M000777",
                "id_number": id_number("11010519491231001"),
            }
            answers[number] = clients[number].post(
                "/customers", {"template": "member", "values": values}
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 422, 422, 422, 422, 422]
    for answer in answers:
        if answer.status_code == 422:
            assert codes(answer) <= {("member_no", "not_unique"), ("id_number", "not_unique")}
            assert codes(answer)
    assert Customer.objects.count() == 1
    winner = Customer.objects.get()
    assert CustomerLookup.objects.filter(customer=winner, unique=True).count() == 2
