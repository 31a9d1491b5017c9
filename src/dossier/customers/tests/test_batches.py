"""The import-ready batch path: whole-batch checks, bulk writes, a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.customers import services
from dossier.customers.models import Customer, CustomerLookup, CustomerTag
from dossier.customers.services import batches
from dossier.customers.tests.service_helpers import errors_of, id_number, new_customer
from dossier.templates.models import Template


def rows(count: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "display_name": f"客户{n}",
            "phone": f"139{n:08d}",
            "member_no": f"M{n:06d}",
            "id_number": id_number(
                f"110105{date(1950, 1, 1) + timedelta(n // 1000):%Y%m%d}{n % 1000:03d}"
            ),
        }
        for n in range(start, start + count)
    ]


def triples(result: services.BatchResult) -> set[tuple[int | None, str, str]]:
    return {(e.row, e.field, e.code) for e in result.errors}


def test_a_rejected_row_keeps_none_of_its_unique_values(
    sales_user: User, member_template: Template
) -> None:
    new_customer(sales_user, member_template, member_no="M000001")
    shared_id = id_number("11010519491231001")
    result = services.create_customers(
        actor=sales_user,
        template=member_template,
        rows=[
            # taken member number: the row is rejected, and its ID number stays free …
            {
                "display_name": "甲",
                "phone": "13900000001",
                "member_no": "M000001",
                "id_number": shared_id,
            },
            # … for this row, which is valid
            {
                "display_name": "乙",
                "phone": "13900000002",
                "member_no": "M000002",
                "id_number": shared_id,
            },
            # an invalid row claims nothing either
            {"display_name": "丙", "phone": "123", "member_no": "M000003"},
            {"display_name": "丁", "phone": "13900000004", "member_no": "M000003"},
            # within the batch, the first valid row keeps a value
            {"display_name": "戊", "phone": "13900000005", "member_no": "M000002"},
        ],
    )
    assert [c.display_name for c in result.created] == ["乙", "丁"]
    assert triples(result) == {
        (1, "member_no", "not_unique"),
        (3, "phone", "invalid_phone"),
        (5, "member_no", "not_unique"),
    }


def test_a_batch_writes_lookups_tags_and_one_audit_event_per_customer(
    sales_user: User, member_template: Template, admin_user: User
) -> None:
    tag = services.create_tag(actor=admin_user, name="导入")
    result = services.create_customers(
        actor=sales_user, template=member_template, rows=rows(3), tags=[tag.pk]
    )
    ids = {c.pk for c in result.created}
    assert len(ids) == 3 and Customer.objects.count() == 3
    assert (
        CustomerLookup.objects.filter(customer_id__in=ids, field="member_no", unique=True).count()
        == 3
    )
    assert CustomerTag.objects.filter(customer_id__in=ids, tag=tag).count() == 3
    events = AuditEvent.objects.filter(action="create", object_type="customer")
    assert {e.customer_id for e in events} == ids
    assert all(e.changes["member_no"] == {"changed": True} for e in events)
    assert AuditEvent.objects.get(object_type="customer_batch").changes == {
        "created": 3,
        "rejected": 0,
    }
    # the stored batch is unique against the next one
    again = services.create_customers(actor=sales_user, template=member_template, rows=rows(1))
    assert triples(again) == {(1, "member_no", "not_unique"), (1, "id_number", "not_unique")}


@pytest.mark.parametrize("size", [10, 1000])
def test_a_batch_takes_a_constant_number_of_queries(
    size: int, sales_user: User, member_template: Template, admin_user: User
) -> None:
    tag = services.create_tag(actor=admin_user, name="导入")
    new_customer(sales_user, member_template, member_no="M000000")  # warms caches alike
    batch = rows(size, start=1)
    with CaptureQueriesContext(connection) as queries:
        result = services.create_customers(
            actor=sales_user, template=member_template, rows=batch, tags=[tag.pk]
        )
    assert len(result.created) == size and not result.errors
    # 20, and one insert of the batch's webhook events (outbox)
    assert len(queries) <= 21, [q["sql"][:80] for q in queries]
    changes = [{"id": str(c.pk), "points": 7} for c in result.created]
    with CaptureQueriesContext(connection) as queries:
        updated = services.upsert_customers(
            actor=sales_user, template=member_template, rows=changes
        )
    assert len(updated.updated) == size and not updated.errors
    # 20, and one insert of the batch's webhook events (outbox)
    assert len(queries) <= 21, [q["sql"][:80] for q in queries]
    assert Customer.objects.filter(attributes__points=7, version=2).count() == size


def test_a_value_taken_meanwhile_rejects_only_its_row(
    sales_user: User, member_template: Template, admin_user: User, monkeypatch: Any
) -> None:
    checked = batches._reject_taken

    def then_a_rival_commits(*args: Any) -> Any:
        kept = checked(*args)
        new_customer(admin_user, member_template, phone="13700000000", member_no="M000002")
        return kept

    monkeypatch.setattr(batches, "_reject_taken", then_a_rival_commits)
    result = services.create_customers(actor=sales_user, template=member_template, rows=rows(3, 1))
    assert [c.attributes["member_no"] for c in result.created] == ["M000001", "M000003"]
    assert triples(result) == {(2, "member_no", "not_unique")}
    assert Customer.objects.filter(attributes__member_no="M000002").count() == 1


def test_upsert_by_id_changes_named_customers_and_creates_the_rest(
    sales_user: User, member_template: Template, make_user: Callable[..., User]
) -> None:
    mine = new_customer(sales_user, member_template, member_no="M000001")
    theirs = new_customer(
        make_user("zhao", roles.SALES, team="west"), member_template, phone="13800138009"
    )
    result = services.upsert_customers(
        actor=sales_user,
        template=member_template,
        rows=[
            {"id": str(mine.pk), "points": 3},
            {"id": str(theirs.pk), "points": 3},  # not the seller's to change
            {"id": "not-an-id", "points": 3},
            {"id": str(mine.pk), "points": 4},  # the same customer twice
            {"display_name": "新", "phone": "13900000009"},
            {"id": str(mine.pk), "member_no": "bad"},
        ],
    )
    assert [c.pk for c in result.updated] == [mine.pk]
    assert [c.display_name for c in result.created] == ["新"]
    assert triples(result) == {
        (2, "id", "unknown_customer"),
        (3, "id", "unknown_customer"),
        (4, "id", "repeated_customer"),
        (6, "id", "repeated_customer"),
    }
    mine.refresh_from_db()
    assert mine.attributes["points"] == 3 and mine.version == 2
    assert mine.attributes["member_no"] == "M000001"
    event = AuditEvent.objects.get(action="update", customer_id=mine.pk)
    assert event.changes == {"points": {"before": None, "after": 3}}


def test_upsert_by_a_unique_field(
    sales_user: User, member_template: Template, make_user: Callable[..., User]
) -> None:
    mine = new_customer(sales_user, member_template, member_no="M000001")
    new_customer(
        make_user("zhao", roles.SALES, team="west"),
        member_template,
        phone="13800138009",
        member_no="M000002",
    )
    result = services.upsert_customers(
        actor=sales_user,
        template=member_template,
        match_on="member_no",
        rows=[
            {"member_no": "M000001", "points": 9},
            {"member_no": "M000002", "points": 9},  # someone else's customer holds it
            {"member_no": "M000003", "display_name": "新", "phone": "13900000003"},
            {"member_no": "nope", "points": 1},
        ],
    )
    assert [c.pk for c in result.updated] == [mine.pk]
    assert [c.attributes["member_no"] for c in result.created] == ["M000003"]
    assert triples(result) == {(2, "member_no", "not_unique"), (4, "member_no", "pattern")}
    # points have no blind index: nothing to match on
    with pytest.raises(ValidationFailed) as caught:
        services.upsert_customers(
            actor=sales_user, template=member_template, rows=[], match_on="points"
        )
    assert errors_of(caught) == {("match_on", "invalid_choice")}


def test_upsert_on_several_keys_finds_one_customer_or_says_why_not(
    sales_user: User, member_template: Template
) -> None:
    first = new_customer(sales_user, member_template, member_no="M000001", phone="13900000001")
    second = new_customer(sales_user, member_template, member_no="M000002", phone="13900000002")
    result = services.upsert_customers(
        actor=sales_user,
        template=member_template,
        match_on=["phone", "member_no"],
        rows=[
            # the phone is new, the member number names the first customer
            {"phone": "13900000009", "member_no": "M000001", "points": 5},
            # phone and member number name two different customers: not guessed
            {"phone": "13900000002", "member_no": "M000001", "points": 5},
            {"phone": "+86 139-0000-0002", "member_no": "M000002", "points": 7},
            {"display_name": "新", "phone": "13900000010", "member_no": "M000010"},
        ],
    )
    assert [c.pk for c in result.updated] == [first.pk, second.pk]
    assert [c.attributes["member_no"] for c in result.created] == ["M000010"]
    assert triples(result) == {(2, "phone", "ambiguous_customer")}
    assert result.rows == {first.pk: 1, second.pk: 3, result.created[0].pk: 4}
    first.refresh_from_db()
    assert first.phone == "+8613900000009" and first.attributes["points"] == 5


def test_a_row_that_changes_nothing_is_unchanged_and_written_nowhere(
    sales_user: User, member_template: Template
) -> None:
    customer = new_customer(sales_user, member_template, member_no="M000001", points=3)
    events = AuditEvent.objects.count()
    result = services.upsert_customers(
        actor=sales_user,
        template=member_template,
        match_on="member_no",
        rows=[{"member_no": "M000001", "points": "3"}],
    )
    assert (result.updated, result.errors) == ([], [])
    assert [c.pk for c in result.unchanged] == [customer.pk]
    customer.refresh_from_db()
    assert customer.version == 1
    assert AuditEvent.objects.count() == events


def test_update_only_reports_rows_that_name_nobody_and_keeps_before_values(
    sales_user: User, member_template: Template
) -> None:
    customer = new_customer(sales_user, member_template, member_no="M000001", points=3)
    result = services.upsert_customers(
        actor=sales_user,
        template=member_template,
        match_on="member_no",
        create_missing=False,
        rows=[
            {"member_no": "M000001", "points": 4},
            {"member_no": "M000404", "display_name": "无", "phone": "13900000404"},
            {"display_name": "无键", "phone": "13900000405"},
        ],
    )
    assert result.created == []
    assert triples(result) == {
        (2, "member_no", "no_matching_customer"),
        (3, "id", "no_matching_customer"),
    }
    assert result.before[customer.pk]["points"] == 3
    assert Customer.objects.count() == 1
