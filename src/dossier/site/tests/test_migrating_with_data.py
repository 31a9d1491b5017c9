"""A database holding customers from before this release's migrations migrates forward.

The customers' and privacy tables change shape in this release (lookups gain a template
and a unique flag, customers an erasure time, templates and tags kept counts, the search
index, the last-four lookups); each step must work on rows that exist, on SQLite and on
PostgreSQL alike (PostgreSQL refuses some schema changes next to fresh row updates).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dossier.accounts.services import create_user, ensure_roles
from dossier.core import roles
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.selectors import CustomerFilters, customer_list
from dossier.customers.services import create_customer
from dossier.privacy.requests import erase_customer
from dossier.templates.models import Template
from dossier.templates.selectors import get_template
from dossier.templates.services import install_builtin_templates

#: the customers app as the previous release left it (before any of this release's steps)
BEFORE = [("customers", "0001_initial")]


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def test_customers_stored_before_the_release_migrate_forward(transactional_db: Any) -> None:
    ensure_roles()
    install_builtin_templates()
    admin = create_user(username="mig-admin", password="x-Password-1", role=roles.ADMIN)
    retail = get_template(key="retail_member")
    kept = [
        create_customer(
            actor=admin,
            template=retail,
            values={
                "display_name": f"王芳{n}",
                "phone": f"1380013{8000 + n}",
                "member_no": f"M{100000 + n}",
            },
        )
        for n in range(3)
    ]
    erase_customer(actor=admin, customer_id=kept[2].pk)
    latest = _latest()
    _migrate(BEFORE)
    _migrate(latest)
    admin = User.objects.get(pk=admin.pk)
    # the rows came through every step, with what the steps add filled in
    assert Customer.objects.count() == 3
    assert Customer.objects.get(pk=kept[2].pk).erased_at is not None
    live = CustomerLookup.objects.filter(customer_id=kept[0].pk)
    assert {row.template_id for row in live} == {retail.pk}
    assert live.filter(field="member_no", unique=True).exists()
    assert live.filter(field="phone:last4").exists()
    assert Template.objects.get(pk=retail.pk).customer_count == 3
    found = customer_list(actor=admin, filters=CustomerFilters(q="王芳1")).items
    assert [item["id"] for item in found] == [str(kept[1].pk)]
