"""The tags page of those who see only some customers reads kept counts, and says what it said.

Before the per-owner counts, ``tag_counts`` counted the tag links of the customers the actor
may see (``customer_queryset``) on every view. :func:`_counted` is that query; every test
compares the kept counts with it, for every role, after every kind of write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from dossier.accounts.services import join_team
from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.customers import counts, selectors, services
from dossier.customers.models import Customer, CustomerTag, Tag, TagOwnerCount
from dossier.privacy.erasure import anonymise_customers, delete_customers
from dossier.templates.models import Template
from dossier.templates.services import create_template


def _counted(user: User) -> dict[int, int]:
    """The per-view count the kept rows replace: the tags of every customer the user sees."""
    visible = selectors.customer_queryset(actor=user).values("id")
    return dict(
        CustomerTag.objects.filter(customer_id__in=visible)
        .values_list("tag_id")
        .annotate(n=Count("id"))
        .order_by()
    )


@dataclass
class Office:
    admin: User
    people: dict[str, User]
    templates: dict[str, Template]
    tags: list[Tag]
    customers: dict[str, Customer] = field(default_factory=dict)
    phones: int = 0

    def customer(
        self, name: str, template: str, owner: User | None, tags: list[int], **extra: Any
    ) -> Customer:
        self.phones += 1
        actor = extra.pop("actor", self.admin)
        self.customers[name] = services.create_customer(
            actor=actor,
            template=self.templates[template],
            values={"display_name": name, "phone": f"1380013{self.phones:04d}"},
            owner=owner,
            tags=[self.tags[i].pk for i in tags],
        )
        return self.customers[name]

    def share(self, name: str, with_: str) -> None:
        services.share_customer(
            actor=self.admin, customer_id=self.customers[name].pk, user=self.people[with_]
        )

    def check(self) -> None:
        assert counts.verify() == []
        for name, person in self.people.items():
            assert selectors.tag_counts(actor=person) == _counted(person), name


def _template(key: str, scenario: str) -> Template:
    return create_template(
        actor=system_actor("tests"),
        key=key,
        name_zh=key,
        scenario=scenario,
        fields=[{"key": "phone", "type": "phone", "required": True}],
    )


@pytest.fixture
def office(make_user: Callable[..., User], member_template: Template) -> Office:
    admin = make_user("boss", roles.ADMIN)
    people = {
        "east_manager": make_user("east-manager", roles.MANAGER, team="east"),
        "west_manager": make_user("west-manager", roles.MANAGER, team="west"),
        "lone_manager": make_user("lone-manager", roles.MANAGER),
        "east_sales": make_user("east-sales", roles.SALES, team="east"),
        "east_sales_2": make_user("east-sales-2", roles.SALES, team="east"),
        "west_sales": make_user("west-sales", roles.SALES, team="west"),
        "east_service": make_user("east-service", roles.SERVICE, team="east"),
        "marketer": make_user("marketer", roles.MARKETING),
        "analyst": make_user("analyst", roles.ANALYST),
    }
    templates = {
        "member": member_template,  # retail_member: every role works with it
        "lead": _template("lead", "sales"),
        "repair": _template("repair", "after_sales"),
        "campaign": _template("campaign", "marketing"),
    }
    tags = [services.create_tag(actor=admin, name=f"tag{i}") for i in range(4)]
    office = Office(admin=admin, people=people, templates=templates, tags=tags)
    p = people
    office.customer("m1", "member", p["east_sales"], [0, 1])
    office.customer("m2", "member", p["east_sales"], [0], actor=p["east_sales"])
    office.customer("m3", "member", p["east_sales_2"], [0, 2])
    office.customer("m4", "member", p["west_sales"], [1, 2, 3])
    office.customer("m5", "member", p["east_manager"], [3])
    office.customer("m6", "member", p["marketer"], [0])
    office.customer("m7", "member", p["east_service"], [1])
    office.customer("l1", "lead", p["east_sales"], [0, 3])
    office.customer("l2", "lead", p["west_manager"], [1])
    office.customer("r1", "repair", p["east_service"], [0, 1])
    office.customer("r2", "repair", p["lone_manager"], [2])
    office.customer("c1", "campaign", p["marketer"], [0, 3])
    # its owner's account deleted (the owner is set null around the services, and
    # ``dossier counts rebuild`` then mends the counts): only admins and shares see it
    orphan = office.customer("orphan", "member", admin, [0, 1])
    Customer.objects.filter(pk=orphan.pk).update(owner=None, team=None)
    counts.rebuild()
    batch = services.create_customers(
        actor=admin,
        template=member_template,
        rows=[{"display_name": f"b{i}", "phone": f"1390013{i:04d}"} for i in range(3)],
        owner=p["west_sales"],
        tags=[tags[0].pk, tags[2].pk],
    )
    office.customers.update({c.display_name: c for c in batch.created})
    # shared with someone who already sees it (their own, their team's): counted once
    office.share("m1", "east_sales")
    office.share("m3", "east_manager")
    office.share("m4", "east_sales")  # another team's
    office.share("m4", "marketer")
    office.share("orphan", "east_sales")
    office.share("orphan", "east_manager")
    office.share("r1", "east_sales")  # after-sales work: a seller does not see it
    office.share("c1", "west_sales")  # marketing work: neither
    office.share("l2", "east_service")  # sales work: nor service staff
    office.share("b0", "east_service")
    office.share("l1", "west_manager")
    return office


def test_every_role_sees_the_counts_it_saw_before(office: Office) -> None:
    office.check()
    sales = selectors.tag_counts(actor=office.people["east_sales"])
    # own m1, m2, l1; shared m4 and the orphan; not the shared after-sales r1
    tag0, tag1, tag2, tag3 = (t.pk for t in office.tags)
    assert sales == {tag0: 4, tag1: 3, tag2: 1, tag3: 2}
    assert selectors.tag_counts(actor=office.people["analyst"]) == {}


def test_counts_follow_every_write_that_changes_what_someone_sees(office: Office) -> None:
    p, c, admin = office.people, office.customers, office.admin
    services.assign_owner(actor=admin, customer_id=c["m1"].pk, owner=p["west_sales"])
    office.check()
    m3 = Customer.objects.get(pk=c["m3"].pk)
    services.update_customer(
        actor=admin,
        customer_id=m3.pk,
        values={"display_name": "m3 moved"},
        expected_version=m3.version,
        owner=p["west_manager"],
        tags=[office.tags[1].pk, office.tags[3].pk],
    )
    office.check()
    services.set_customer_tags(actor=p["east_sales"], customer_id=c["m2"].pk, tag_ids=[])
    services.set_customer_tags(actor=admin, customer_id=c["orphan"].pk, tag_ids=[office.tags[2].pk])
    office.check()
    services.delete_customer(actor=admin, customer_id=c["m4"].pk)  # shared with two
    services.delete_customer(actor=p["east_manager"], customer_id=c["m5"].pk)
    office.check()
    services.restore_customer(actor=admin, customer_id=c["m4"].pk)
    office.check()
    services.delete_tag(actor=admin, tag_id=office.tags[3].pk)
    office.check()
    # erased in place: still counted for admins, no longer listed for the others
    anonymise_customers(
        list(Customer.objects.filter(pk__in=[c["l1"].pk, c["b1"].pk])),
        actor=admin,
        cause="request",
        reason="t",
    )
    office.check()
    services.assign_owner(actor=admin, customer_id=c["b1"].pk, owner=p["east_sales"])
    office.check()
    # erased for good: a live customer and a soft-deleted one
    delete_customers(
        list(Customer.objects.filter(pk__in=[c["m6"].pk, c["m5"].pk])),
        actor=admin,
        reason="t",
    )
    office.check()
    # tags put on customers that exist, by the batch path
    result = services.upsert_customers(
        actor=admin,
        template=office.templates["member"],
        rows=[{"id": str(c["m7"].pk)}, {"display_name": "new", "phone": "13700137000"}],
        owner=p["east_sales_2"],
        tags=[office.tags[0].pk],
    )
    assert not result.errors
    office.check()


def test_counts_follow_people_who_change_team(office: Office) -> None:
    # a customer keeps the team it was given; a manager sees the team they are in now
    join_team(user=office.people["west_manager"], team="east")
    office.check()
    join_team(user=office.people["east_sales"], team="west")
    services.assign_owner(
        actor=office.admin,
        customer_id=office.customers["m2"].pk,
        owner=office.people["east_sales_2"],
    )
    office.check()


def test_a_sellers_tags_page_counts_no_customers_but_those_shared(
    office: Office,
) -> None:
    seller = office.people["east_sales"]
    with CaptureQueriesContext(connection) as queries:
        selectors.tag_counts(actor=seller)
    touching = [q["sql"] for q in queries.captured_queries if 'customers_customer"' in q["sql"]]
    # one query reads customers: those shared with the seller, through the share table
    assert len(touching) == 1
    assert "customers_customershare" in touching[0]
    assert len(queries.captured_queries) <= 4  # role and team (cached), kept rows, shares


def test_verify_names_a_drifted_owner_count_and_rebuild_mends_it(office: Office) -> None:
    row = TagOwnerCount.objects.filter(owner_id=office.people["east_sales"].pk).first()
    assert row is not None
    TagOwnerCount.objects.filter(pk=row.pk).update(customer_count=row.customer_count + 5)
    drift = counts.verify()
    assert len(drift) == 1
    assert f"owner {office.people['east_sales'].pk}" in drift[0]
    counts.rebuild()
    office.check()


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_customers_already_there(
    make_user: Callable[..., User], member_template: Template
) -> None:
    admin = make_user("boss", roles.ADMIN)
    seller = make_user("east-sales", roles.SALES, team="east")
    vip = services.create_tag(actor=admin, name="VIP")
    for number, owner in enumerate((admin, seller, seller)):
        services.create_customer(
            actor=admin,
            template=member_template,
            values={"display_name": "张三", "phone": f"1380013800{number}"},
            owner=owner,
            tags=[vip.pk],
            allow_duplicate=True,  # three 张三 a digit apart: look-alikes on purpose
        )
    gone = Customer.objects.filter(owner=admin).get()
    services.delete_customer(actor=admin, customer_id=gone.pk)
    _migrate([("customers", "0010_phone_last4_lookups")])
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert counts.verify() == []
    assert TagOwnerCount.objects.get().customer_count == 2
    assert selectors.tag_counts(actor=seller) == {vip.pk: 2}
