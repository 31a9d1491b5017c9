"""Customer counts per template and per tag are kept by the services: no drift, no scan."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossier.core import roles
from dossier.customers import counts, selectors, services
from dossier.customers.models import Customer, Tag
from dossier.privacy.erasure import anonymise_customers, delete_customers
from dossier.templates.models import Template
from dossier.templates.selectors import customer_counts


def _stored() -> tuple[dict[int, int], dict[int, int]]:
    templates = dict(Template.objects.values_list("pk", "customer_count"))
    tags = dict(Tag.objects.values_list("pk", "customer_count"))
    return templates, tags


def _check() -> None:
    assert counts.verify() == []


def test_no_service_lets_the_counts_drift(
    make_user: Callable[..., User], member_template: Template
) -> None:
    admin = make_user("boss", roles.ADMIN)
    vip, old, new = (services.create_tag(actor=admin, name=n) for n in ("VIP", "老客户", "新客户"))
    one = services.create_customer(
        actor=admin,
        template=member_template,
        values={"display_name": "张三", "phone": "13800138000"},
        tags=[vip.pk, old.pk],
    )
    _check()
    assert member_template.__class__.objects.get(pk=member_template.pk).customer_count == 1
    batch = services.create_customers(
        actor=admin,
        template=member_template,
        rows=[{"display_name": f"李{i}", "phone": f"1380013800{i}"} for i in range(1, 5)]
        + [{"display_name": "", "phone": "bad"}],  # rejected: counts only the created
    )
    assert len(batch.created) == 4
    _check()
    two = batch.created[0]
    services.set_customer_tags(actor=admin, customer_id=two.pk, tag_ids=[vip.pk, new.pk])
    services.set_customer_tags(actor=admin, customer_id=two.pk, tag_ids=[vip.pk, new.pk])
    _check()
    one.refresh_from_db()
    services.update_customer(
        actor=admin,
        customer_id=one.pk,
        values={"display_name": "张三丰"},
        expected_version=one.version,
        tags=[new.pk],
    )
    _check()
    services.delete_customer(actor=admin, customer_id=two.pk)
    _check()
    # tags changed while deleted are not counted (no service changes a deleted customer's tags)
    services.restore_customer(actor=admin, customer_id=two.pk)
    _check()
    services.delete_customer(actor=admin, customer_id=two.pk)
    services.delete_tag(actor=admin, tag_id=old.pk)
    _check()
    anonymise_customers(
        list(Customer.objects.filter(pk=one.pk)), actor=admin, cause="request", reason="t"
    )
    _check()
    # erasing for good: a live customer and a soft-deleted one
    three = batch.created[1]
    services.set_customer_tags(actor=admin, customer_id=three.pk, tag_ids=[vip.pk])
    delete_customers(
        list(Customer.objects.filter(pk__in=[two.pk, three.pk])), actor=admin, reason="t"
    )
    _check()
    templates, tags = _stored()
    assert templates[member_template.pk] == 3  # one, created[2], created[3]
    assert tags == {vip.pk: 0, new.pk: 1}


def test_verify_reports_drift_and_rebuild_mends_it(
    make_user: Callable[..., User], member_template: Template
) -> None:
    admin = make_user("boss", roles.ADMIN)
    vip = services.create_tag(actor=admin, name="VIP")
    services.create_customer(
        actor=admin,
        template=member_template,
        values={"display_name": "张三", "phone": "13800138000"},
        tags=[vip.pk],
    )
    Tag.objects.filter(pk=vip.pk).update(customer_count=7)  # a write around the services
    with pytest.raises(CommandError):
        call_command("counts", "verify", stdout=io.StringIO())
    out = io.StringIO()
    call_command("counts", "rebuild", stdout=out)
    call_command("counts", "verify", stdout=out)
    assert "Counts match the rows." in out.getvalue()
    assert Tag.objects.get(pk=vip.pk).customer_count == 1


def test_pages_read_kept_counts_for_admins_and_count_their_own_for_others(
    make_user: Callable[..., User], member_template: Template
) -> None:
    admin = make_user("boss", roles.ADMIN)
    seller = make_user("li.na", roles.SALES, team="east")
    vip = services.create_tag(actor=admin, name="VIP")
    for actor, phone in ((admin, "13800138000"), (seller, "13800138001")):
        services.create_customer(
            actor=actor,
            template=member_template,
            values={"display_name": "张三", "phone": phone},
            tags=[vip.pk],
        )
    with CaptureQueriesContext(connection) as queries:
        assert selectors.tag_counts(actor=admin) == {vip.pk: 2}
        assert customer_counts()[member_template.pk] == 2
    read = [q["sql"] for q in queries.captured_queries if "customers_customer" in q["sql"]]
    assert read == []
    assert selectors.tag_counts(actor=seller) == {vip.pk: 1}
