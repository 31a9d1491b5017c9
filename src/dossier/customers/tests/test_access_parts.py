"""The access rule read in parts (access.restrict_parts): the list's pages and counts of a
limited reach read the held and the shared customers apart, and must show exactly what
``restrict`` shows, each customer once, in order, both ways, with changes seen at once."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossier.accounts.selectors import team_id_of
from dossier.core import roles
from dossier.customers import listing, selectors
from dossier.customers.access import ACTION_PERMISSIONS, restrict, restrict_parts
from dossier.customers.list_filters import CustomerFilters
from dossier.customers.models import Customer, CustomerShare

pytestmark = pytest.mark.django_db


@dataclass
class Desk:
    admin: User
    manager: User
    seller: User
    colleague: User
    stranger: User
    #: customer name → customer
    customers: dict[str, Any]


def _share(customer: Any, user: User) -> None:
    # straight into the table: sharing one's own or the team's customer is not refused
    # either, and the parts must not list such a customer twice
    CustomerShare.objects.create(customer=customer, user=user)


@pytest.fixture
def desk(make_user: Callable[..., User], make_customer: Callable[..., Any]) -> Desk:
    admin = make_user("parts-admin", roles.ADMIN)
    manager = make_user("parts-manager", roles.MANAGER, team="east")
    seller = make_user("parts-seller", roles.SALES, team="east")
    colleague = make_user("parts-colleague", roles.SALES, team="east")
    stranger = make_user("parts-stranger", roles.SALES, team="west")
    owners = {
        "own-1": seller,
        "own-2": seller,
        "own-shared": seller,  # the seller's own, shared with them as well
        "team-1": colleague,
        "team-shared": colleague,  # the manager's team's, shared with the manager too
        "west-1": stranger,
        "west-shared": stranger,  # another team's, shared with the seller and the manager
        "west-2": stranger,
        "nobodys-shared": stranger,  # no owner, no team, shared with the seller
        "managers-own": manager,
        "managers-teamless": manager,  # the manager's, in no team
        "team-ownerless": colleague,  # the team's, with no owner
    }
    customers = {name: make_customer(owner, display_name=name) for name, owner in owners.items()}
    Customer.objects.filter(pk=customers["nobodys-shared"].pk).update(owner=None, team=None)
    Customer.objects.filter(pk=customers["managers-teamless"].pk).update(team=None)
    Customer.objects.filter(pk=customers["team-ownerless"].pk).update(owner=None)
    _share(customers["own-shared"], seller)
    _share(customers["team-shared"], manager)
    _share(customers["west-shared"], seller)
    _share(customers["west-shared"], manager)
    _share(customers["nobodys-shared"], seller)
    return Desk(admin, manager, seller, colleague, stranger, customers)


def _names(queryset: Any) -> list[str]:
    return list(queryset.values_list("display_name", flat=True))


@pytest.mark.parametrize("action", sorted(ACTION_PERMISSIONS))
@pytest.mark.parametrize("who", ["admin", "manager", "seller", "colleague", "stranger"])
def test_the_parts_are_disjoint_and_make_up_restrict(desk: Desk, who: str, action: str) -> None:
    actor = getattr(desk, who)
    whole = _names(restrict(Customer.objects.all(), actor, action))
    parts = [_names(p) for p in restrict_parts(Customer.objects.all(), actor, action)]
    listed = [name for part in parts for name in part]
    assert sorted(listed) == sorted(whole)
    assert len(listed) == len(set(listed))  # no customer in two parts


def test_the_seller_sees_own_shared_and_ownerless_shared_once(desk: Desk) -> None:
    own, shared = (_names(p) for p in restrict_parts(Customer.objects.all(), desk.seller))
    assert sorted(own) == ["own-1", "own-2", "own-shared"]
    # a shared customer with no owner is not "held" (NULL is nobody), so it is in the shared part
    assert sorted(shared) == ["nobodys-shared", "west-shared"]


def test_a_team_customer_shared_with_the_manager_is_the_teams_not_shared(desk: Desk) -> None:
    own, team, shared = (_names(p) for p in restrict_parts(Customer.objects.all(), desk.manager))
    assert sorted(own) == ["managers-own", "managers-teamless"]
    # a team's customer with no owner is the team's (NULL is not the manager)
    assert sorted(team) == [
        "own-1", "own-2", "own-shared", "team-1", "team-ownerless", "team-shared"
    ]  # fmt: skip
    assert shared == ["west-shared"]


def test_nobody_has_no_part_and_admin_one(desk: Desk, make_user: Callable[..., User]) -> None:
    analyst = make_user("parts-analyst", roles.ANALYST)
    assert restrict_parts(Customer.objects.all(), analyst) == []
    assert restrict_parts(Customer.objects.all(), None) == []
    assert len(restrict_parts(Customer.objects.all(), desk.admin)) == 1


def test_deleted_customers_stay_out_of_every_part(desk: Desk) -> None:
    Customer.objects.filter(pk=desk.customers["west-shared"].pk).update(
        deleted_at=desk.customers["west-shared"].created_at
    )
    parts = restrict_parts(Customer.objects.all(), desk.seller)
    assert all("west-shared" not in _names(p) for p in parts)
    kept = restrict_parts(Customer.objects.all(), desk.seller, "view", include_deleted=True)
    assert "west-shared" in _names(kept[-1])


def _walk(actor: User, sort: str, size: int, **filters: str) -> list[selectors.CustomerPage]:
    """Every page forward."""
    pages: list[selectors.CustomerPage] = []
    cursor = None
    for _ in range(100):
        page = selectors.customer_list(
            actor=actor, filters=CustomerFilters(**filters), cursor=cursor, limit=size, sort=sort
        )
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            return pages
    raise AssertionError("the pages never ended")


SORTS = ["-created", "created", "name", "-name", "-updated", "owner", "-owner", "-spend"]


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("who", ["seller", "manager"])
def test_pages_list_each_visible_customer_once_in_the_whole_order(
    desk: Desk, who: str, sort: str, size: int
) -> None:
    actor = getattr(desk, who)
    pages = _walk(actor, sort, size)
    ids = [item["id"] for page in pages for item in page.items]
    # the reference: one read of the whole rule (no parts), as an admin's list is read
    queryset = restrict(Customer.objects.all(), actor)
    order, descending = listing.parse_sort(sort)
    whole, _more, _before = listing.page_rows(queryset, order, descending, None, 100)
    assert ids == [str(c.pk) for c in whole]
    assert len(ids) == len(set(ids))
    # and backwards: each page's previous cursor gives the page before it
    for before, current in itertools.pairwise(pages):
        assert current.previous_cursor is not None
        back = selectors.customer_list(
            actor=actor, cursor=current.previous_cursor, limit=size, sort=sort
        )
        assert [i["id"] for i in back.items] == [i["id"] for i in before.items]


def test_filters_apply_to_both_parts(desk: Desk) -> None:
    pages = _walk(desk.seller, "name", 2, owner=desk.stranger.username)
    names = [item["values"]["display_name"] for page in pages for item in page.items]
    assert names == ["west-shared"]  # shared with the seller, owned by the stranger
    pages = _walk(desk.seller, "-created", 2, owner="me")
    names = sorted(item["values"]["display_name"] for page in pages for item in page.items)
    assert names == ["own-1", "own-2", "own-shared"]


def test_count_adds_the_parts_once_each(desk: Desk) -> None:
    count = selectors.customer_list(actor=desk.seller, with_count=True).count
    assert count == listing.Count(5, True)  # own-1, own-2, own-shared, west-shared, nobodys
    count = selectors.customer_list(actor=desk.manager, with_count=True).count
    # the team's six, the manager's two and the west customer shared with them
    assert count == listing.Count(9, True)


def test_count_beyond_the_limit_in_a_part_is_an_estimate_never_below_it(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listing, "EXACT_COUNT_LIMIT", 1)
    count = selectors.customer_list(actor=desk.seller, with_count=True).count
    assert count is not None and count.value >= 4  # beyond the limit of 1 in both parts
    # SQLite has no estimate and counts; PostgreSQL estimates beyond the limit
    assert count.exact == (connection.vendor != "postgresql")


def test_unsharing_hides_the_customer_at_once_even_behind_a_cursor(desk: Desk) -> None:
    first = selectors.customer_list(actor=desk.seller, limit=2, sort="name")
    assert first.next_cursor is not None
    CustomerShare.objects.filter(user=desk.seller).delete()
    rest = _walk_from(desk.seller, "name", 2, first.next_cursor)
    names = [item["values"]["display_name"] for item in rest]
    assert "west-shared" not in names and "nobodys-shared" not in names
    count = selectors.customer_list(actor=desk.seller, with_count=True).count
    assert count == listing.Count(3, True)


def _walk_from(actor: User, sort: str, size: int, cursor: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    next_cursor: str | None = cursor
    while next_cursor is not None:
        page = selectors.customer_list(actor=actor, cursor=next_cursor, limit=size, sort=sort)
        items += page.items
        next_cursor = page.next_cursor
    return items


def test_a_new_share_and_a_new_owner_show_at_once(desk: Desk) -> None:
    _share(desk.customers["west-2"], desk.seller)
    ids = {i["id"] for p in _walk(desk.seller, "-created", 2) for i in p.items}
    assert str(desk.customers["west-2"].pk) in ids
    # the stranger's customer handed to the colleague: the seller keeps it through the share,
    # the manager now holds it through the team, listed once
    Customer.objects.filter(pk=desk.customers["west-2"].pk).update(
        owner=desk.colleague, team_id=team_id_of(desk.colleague)
    )
    _share(desk.customers["west-2"], desk.manager)
    ids = [i["id"] for p in _walk(desk.manager, "owner", 1) for i in p.items]
    assert ids.count(str(desk.customers["west-2"].pk)) == 1
    ids = [i["id"] for p in _walk(desk.stranger, "-created", 2) for i in p.items]
    assert str(desk.customers["west-2"].pk) not in ids


def test_the_parts_read_leaves_the_sessions_planner_settings_as_they_were(desk: Desk) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        before = cursor.fetchone()
        page = selectors.customer_list(actor=desk.seller, sort="-spend")
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone() == before
    assert len(page.items) == 5


#: how the search looks up the index before the page is read (a query of its own):
#: PostgreSQL's ids of a 3+ character match, or the density of a short piece; SQLite's density
_LOOK_UPS = (
    "SELECT id FROM customers_customer WHERE search_text LIKE",
    "SELECT m.f FROM pg_stats",
    "SELECT count(*) FROM (SELECT",
)


@pytest.mark.parametrize("q", ["shared", "sh", "west-shared"])
@pytest.mark.parametrize("who", ["seller", "manager", "admin"])
def test_a_search_looks_the_index_up_once_for_every_part(desk: Desk, who: str, q: str) -> None:
    actor = getattr(desk, who)
    with CaptureQueriesContext(connection) as captured:
        page = selectors.customer_list(actor=actor, filters=CustomerFilters(q=q), sort="name")
    look_ups = [c["sql"] for c in captured.captured_queries if c["sql"].startswith(_LOOK_UPS)]
    assert len(look_ups) == 1, look_ups
    # and the page is what the whole rule finds
    expected = sorted(
        name
        for name in _names(restrict(Customer.objects.all(), actor))
        if q.replace("-", "") in name.replace("-", "")
    )
    assert [item["values"]["display_name"] for item in page.items] == expected


@pytest.mark.parametrize("q", ["shared", "sh", "west"])
@pytest.mark.parametrize("who", ["seller", "manager"])
def test_a_search_finding_few_is_read_whole_not_part_by_part(desk: Desk, who: str, q: str) -> None:
    actor = getattr(desk, who)
    for sort in ("-created", "name", "-spend"):
        with CaptureQueriesContext(connection) as captured:
            page = selectors.customer_list(actor=actor, filters=CustomerFilters(q=q), sort=sort)
        # the parts' reads of ids (listing._among): none, the ids are known already
        part_reads = [
            c["sql"]
            for c in captured.captured_queries
            if c["sql"].startswith('SELECT "customers_customer"."id" AS "pk"')
        ]
        assert part_reads == []
        whole = restrict(Customer.objects.filter(search_text__contains=q), actor)
        order, descending = listing.parse_sort(sort)
        expected, _more, _before = listing.page_rows(whole, order, descending, None, 50)
        assert [item["id"] for item in page.items] == [str(c.pk) for c in expected]
    # with the count, the parts are counted one by one, and the total is the same
    counted = selectors.customer_list(
        actor=actor, filters=CustomerFilters(q=q), with_count=True
    ).count
    assert counted == listing.Count(len(expected), True)
