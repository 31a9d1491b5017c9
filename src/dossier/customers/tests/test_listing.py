"""The customer list at scale: sorts (pinyin names, figures with gaps), keyset pages both ways,
filters (tags any/all, date ranges, figure bounds), counts, and what bad input gets."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from dossier.activity.models import CustomerFigures
from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.customers import listing, selectors
from dossier.customers.list_filters import CustomerFilters
from dossier.customers.models import Customer, Tag
from dossier.customers.services import create_tag
from dossier.customers.services.profiles import attach_tags

pytestmark = pytest.mark.django_db

NAMES = ["张三", "曾伟", "王芳", "Alice", "安娜", "單雄信", "Bob", "李四"]


@pytest.fixture
def world(make_user: Callable[..., User], make_customer: Callable[..., Any]) -> dict[str, Any]:
    admin = make_user("list-admin", roles.ADMIN)
    owner = make_user("list-owner", roles.SALES, team="east")
    other = make_user("list-other", roles.SALES, team="west")
    customers = []
    for number, name in enumerate(NAMES):
        holder = None if number == 6 else (owner if number % 2 else other)
        customers.append(make_customer(holder or admin, display_name=name))
    Customer.objects.filter(pk=customers[6].pk).update(owner=None)  # Bob has no owner
    # figures for some; none for others (they sort last)
    now = timezone.now()
    for number, customer in enumerate(customers[:5]):
        CustomerFigures.objects.create(
            customer=customer,
            total_spend=Decimal(100 * (number % 3)),
            order_count=number,
            last_purchase_at=now - timedelta(days=number) if number != 2 else None,
        )
    return {"admin": admin, "owner": owner, "other": other, "customers": customers}


def _every_page(actor: User, sort: str, size: int, **filters: Any) -> list[str]:
    """Page forward through the list; the names in order."""
    names: list[str] = []
    cursor = None
    for _ in range(50):
        page = selectors.customer_list(
            actor=actor, filters=CustomerFilters(**filters), cursor=cursor, limit=size, sort=sort
        )
        names += [item["values"]["display_name"] for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return names
    raise AssertionError("the pages never ended")


def _reference(customers: list[Customer], sort: str) -> list[str]:
    """The order a sort promises, worked out in Python: values first, gaps last, newest first."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    fresh = Customer.objects.select_related("owner").in_bulk([c.pk for c in customers])
    figures = {f.customer_id: f for f in CustomerFigures.objects.all()}

    def value(customer: Customer) -> Any:
        row = figures.get(customer.pk)
        return {
            "created": customer.pk,
            "updated": customer.updated_at,
            "name": customer.sort_name,
            "owner": customer.owner.username if customer.owner else None,
            "spend": row.total_spend if row else None,
            "last_purchase": row.last_purchase_at if row else None,
            "orders": row.order_count if row else None,
        }[key]

    rows = [fresh[c.pk] for c in customers]
    valued = sorted(
        (c for c in rows if value(c) is not None),
        key=lambda c: (value(c), c.pk),
        reverse=descending,
    )
    missing = sorted((c for c in rows if value(c) is None), key=lambda c: c.pk, reverse=True)
    return [c.display_name for c in valued + missing]


@pytest.mark.parametrize(
    "sort",
    ["-created", "created", "name", "-name", "updated", "-updated", "owner", "-owner",
     "-spend", "spend", "-last_purchase", "last_purchase", "-orders"],
)  # fmt: skip
@pytest.mark.parametrize("size", [1, 2, 3, 50])
def test_every_sort_pages_through_each_customer_once_in_order(
    world: dict[str, Any], sort: str, size: int
) -> None:
    names = _every_page(world["admin"], sort, size)
    assert names == _reference(world["customers"], sort)
    assert sorted(names) == sorted(NAMES)


def test_names_sort_in_pinyin_order_with_surname_readings(world: dict[str, Any]) -> None:
    names = _every_page(world["admin"], "name", 50)
    # Alice, An Na, Bob, Li Si, Shan Xiongxin (單 as a surname), Wang Fang, Zeng Wei, Zhang San
    assert names == ["Alice", "安娜", "Bob", "李四", "單雄信", "王芳", "曾伟", "张三"]


@pytest.mark.parametrize("sort", ["-created", "name", "-spend", "last_purchase", "-owner"])
def test_previous_page_is_the_page_before(world: dict[str, Any], sort: str) -> None:
    admin = world["admin"]
    pages = []
    cursor = None
    while True:
        page = selectors.customer_list(actor=admin, cursor=cursor, limit=3, sort=sort)
        pages.append(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(pages) == 3
    assert pages[0].previous_cursor is None
    for before, current in itertools.pairwise(pages):
        assert current.previous_cursor is not None
        back = selectors.customer_list(
            actor=admin, cursor=current.previous_cursor, limit=3, sort=sort
        )
        assert [i["id"] for i in back.items] == [i["id"] for i in before.items]


def test_pages_keep_to_what_the_actor_may_see(world: dict[str, Any]) -> None:
    mine = _every_page(world["owner"], "-spend", 1)
    expected = [c.display_name for c in world["customers"] if c.owner_id == world["owner"].pk]
    assert sorted(mine) == sorted(expected)


@pytest.mark.parametrize(
    "cursor",
    ["nonsense", "eyJ4Ijo", "W10", "WyJuYW1lIiwxLCJ4IiwxXQ", "%00", "x" * 400],
)
def test_a_bad_cursor_is_refused_naming_it(world: dict[str, Any], cursor: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        selectors.customer_list(actor=world["admin"], cursor=cursor, sort="name")
    assert [e.field for e in caught.value.errors] == ["cursor"]


def test_a_cursor_of_another_sort_is_refused(world: dict[str, Any]) -> None:
    page = selectors.customer_list(actor=world["admin"], limit=2, sort="name")
    assert page.next_cursor
    with pytest.raises(ValidationFailed):
        selectors.customer_list(actor=world["admin"], cursor=page.next_cursor, sort="-spend")


def test_an_unknown_sort_is_refused_naming_it(world: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        selectors.customer_list(actor=world["admin"], sort="display_name; drop table")
    assert caught.value.errors[0].field == "sort"


def _names(actor: User, **filters: Any) -> set[str]:
    return set(_every_page(actor, "-created", 50, **filters))


def test_tags_any_and_all(world: dict[str, Any]) -> None:
    admin, customers = world["admin"], world["customers"]
    vip = create_tag(actor=admin, name="VIP")
    new = create_tag(actor=admin, name="新客")
    attach_tags([customers[0]], [vip.pk, new.pk], admin)
    attach_tags([customers[1]], [vip.pk], admin)
    attach_tags([customers[2]], [new.pk], admin)
    both = f"{vip.pk},{new.pk}"
    assert _names(admin, tag=both) == {"张三", "曾伟", "王芳"}
    assert _names(admin, tag=both, tag_mode="all") == {"张三"}
    assert _names(admin, tag="VIP,新客", tag_mode="all") == {"张三"}
    assert _names(admin, tag="VIP,nobody-has-this") == set()
    with pytest.raises(ValidationFailed) as caught:
        _names(admin, tag=",".join(str(n) for n in range(30)))
    assert caught.value.errors[0].field == "tag"
    with pytest.raises(ValidationFailed):
        _names(admin, tag=both, tag_mode="some")
    assert Tag.objects.count() == 2


def test_date_ranges_include_both_days(world: dict[str, Any]) -> None:
    admin, customers = world["admin"], world["customers"]
    old = timezone.now() - timedelta(days=40)
    Customer.objects.filter(pk=customers[0].pk).update(created_at=old, updated_at=old)
    day = timezone.localtime(old).date().isoformat()
    assert _names(admin, created_from=day, created_to=day) == {"张三"}
    assert "张三" not in _names(admin, updated_from=timezone.localdate().isoformat())
    assert len(_names(admin, created_to=day)) == 1


@pytest.mark.parametrize("field", ["created_from", "created_to", "updated_from", "updated_to"])
@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "2024/01/01", "1' or '1'='1"])
def test_a_bad_date_is_refused_naming_the_filter(
    world: dict[str, Any], field: str, value: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _names(world["admin"], **{field: value})
    assert [e.field for e in caught.value.errors] == [field]


def test_figure_bounds(world: dict[str, Any]) -> None:
    admin = world["admin"]
    # spends: 0, 100, 200, 0, 100 for the first five; none for the rest
    assert _names(admin, spend_min="100") == {"曾伟", "王芳", "安娜"}
    assert _names(admin, spend_min="100", spend_max="150") == {"曾伟", "安娜"}
    assert _names(admin, orders_min="3") == {"Alice", "安娜"}
    assert _names(admin, orders_max="0") == {"张三"}


@pytest.mark.parametrize("value", ["lots", "NaN", "Infinity", "1e999999", "--1"])
def test_a_bad_bound_is_refused_naming_it(world: dict[str, Any], value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _names(world["admin"], spend_min=value)
    assert [e.field for e in caught.value.errors] == ["spend_min"]


def test_owner_filter_none_and_by_name(world: dict[str, Any]) -> None:
    admin = world["admin"]
    assert _names(admin, owner="none") == {"Bob"}
    assert _names(admin, owner="list-owner") == {"曾伟", "Alice", "單雄信", "李四"}
    assert _names(admin, owner="nobody-called-this") == set()


def test_count_is_exact_when_small(world: dict[str, Any]) -> None:
    page = selectors.customer_list(actor=world["admin"], with_count=True, limit=2)
    assert page.count == listing.Count(len(NAMES), True)
    page = selectors.customer_list(
        actor=world["owner"], with_count=True, filters=CustomerFilters(spend_min="100")
    )
    assert page.count == listing.Count(1, True)  # 曾伟 (安娜 is another team's)


def test_count_beyond_the_limit(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    from django.db import connection

    monkeypatch.setattr(listing, "EXACT_COUNT_LIMIT", 3)
    count = selectors.customer_list(actor=world["admin"], with_count=True).count
    assert count is not None
    if connection.vendor == "postgresql":
        # the planner's estimate, never below what was counted
        assert not count.exact and count.value >= 4
    else:
        assert count == listing.Count(len(NAMES), True)


def test_owner_choices_are_the_team(world: dict[str, Any], make_user: Callable[..., User]) -> None:
    make_user("east-colleague", roles.SERVICE, team="east")
    assert selectors.owner_choices(actor=world["owner"]) == ["east-colleague", "list-owner"]
    everyone = selectors.owner_choices(actor=world["admin"])
    assert {"list-other", "list-owner", "east-colleague"} <= set(everyone)


@pytest.mark.parametrize("value", ["1e999999", "99999999999999999999", "-1e20"])
@pytest.mark.parametrize("field", ["spend_min", "spend_max", "orders_min", "orders_max"])
def test_a_bound_beyond_any_figure_is_refused(
    world: dict[str, Any], field: str, value: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _names(world["admin"], **{field: value})
    [error] = caught.value.errors
    assert error.field == field
    # a count is a whole number: "1e20" is not one; every value is at most 10^14
    assert error.code == ("invalid_decimal" if "e" in value and "orders" in field else "too_large")


def test_pages_within_a_range_of_creation_dates(world: dict[str, Any]) -> None:
    # ordered by the creation time (its index) instead of the id: the same order
    admin, customers = world["admin"], world["customers"]
    today = timezone.localdate().isoformat()
    names = _every_page(admin, "-created", 3, created_from=today)
    assert names == [c.display_name for c in reversed(customers)]
    assert _every_page(admin, "created", 2, created_to=today) == [c.display_name for c in customers]


def test_a_limited_reach_is_counted_by_its_parts(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # each part of the access rule (held, shared) is counted alone: the planner estimates
    # a part well, never the rule's OR
    count = selectors.customer_list(actor=world["owner"], with_count=True).count
    assert count == listing.Count(4, True)  # 曾伟, Alice, 單雄信, 李四
    monkeypatch.setattr(listing, "EXACT_COUNT_LIMIT", 2)
    count = selectors.customer_list(actor=world["owner"], with_count=True).count
    assert count is not None and count.value >= 3
    # SQLite has no estimate and counts; PostgreSQL estimates the part beyond the limit
    assert count.exact == (connection.vendor != "postgresql")
