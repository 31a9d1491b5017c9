"""The global search: what each role finds, and what nobody may find."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.home.search import MAX_QUERY, clean_query, search_everything
from dossier.home.tests.conftest import PHONE, signed_in

pytestmark = pytest.mark.django_db


def names(user: User, query: str) -> list[str]:
    return [c["name"] for c in search_everything(actor=user, query=query).customers]


def test_finds_a_customer_by_name_pinyin_initials_and_last_four_digits(
    sales: User, zhang: Any
) -> None:
    for query in ("张伟", "张", "zhangwei", "ZhangWei", "zw", "5678", "５６７８"):
        assert names(sales, query) == ["张伟"], query


def test_finds_by_the_whole_phone_number_only_who_may_see_phones(
    sales: User, marketing: User, admin_user: User, zhang: Any
) -> None:
    from dossier.customers.services import share_customer

    assert names(sales, PHONE) == ["张伟"]
    share_customer(actor=admin_user, customer_id=zhang.pk, user=marketing)
    # marketing sees the customer (masked) but may not confirm a phone number by searching
    assert names(marketing, PHONE) == []
    assert names(marketing, "5678") == []


def test_finds_orders_by_number_and_by_source_and_number(sales: User, order: Any) -> None:
    for query in ("TM20260301001", "tmall:TM20260301001"):
        found = search_everything(actor=sales, query=query).orders
        assert [o["id"] for o in found] == [str(order.pk)], query
        assert found[0]["customer"] == "张伟"
    assert search_everything(actor=sales, query="TM2026030100").orders == []  # exact only


def test_finds_tickets_by_number(sales: User, ticket: Any) -> None:
    for query in (str(ticket.pk), f"#{ticket.pk}"):
        found = search_everything(actor=sales, query=query).tickets
        assert [t["id"] for t in found] == [ticket.pk], query
    assert search_everything(actor=sales, query=f"#{ticket.pk + 1}").tickets == []


def test_another_teams_user_finds_nothing_of_ours(
    outsider: User, zhang: Any, order: Any, ticket: Any
) -> None:
    for query in ("张伟", "zhangwei", "zw", "5678", "TM20260301001", f"#{ticket.pk}"):
        found = search_everything(actor=outsider, query=query)
        assert found.empty, query
    page = signed_in(outsider).get("/search/", {"q": "张伟"}).content.decode()
    assert "张伟</a>" not in page and str(zhang.pk) not in page
    assert signed_in(outsider).get(f"/search/open/{zhang.pk}/").status_code == 404


def test_a_colleague_of_the_same_team_finds_nothing_of_ours_but_the_manager_does(
    colleague: User, manager: User, zhang: Any, order: Any
) -> None:
    assert search_everything(actor=colleague, query="张伟").empty
    assert search_everything(actor=colleague, query="TM20260301001").empty
    assert names(manager, "张伟") == ["张伟"]
    assert len(search_everything(actor=manager, query="TM20260301001").orders) == 1


def test_analysts_find_no_customer_order_or_ticket(
    analyst: User, zhang: Any, order: Any, ticket: Any
) -> None:
    for query in ("张伟", "5678", "TM20260301001", str(ticket.pk)):
        assert search_everything(actor=analyst, query=query).empty, query
    page = signed_in(analyst).get("/search/", {"q": "张伟"})
    assert page.status_code == 200 and "张伟</a>" not in page.content.decode()


def test_hostile_input_is_cleaned_escaped_and_never_an_error(
    sales: User, zhang: Any, api_as: Callable[..., Any]
) -> None:
    client = signed_in(sales)
    hostile = [
        "x" * 10_000,
        "张\x00伟",
        "\x00",
        "' OR 1=1 --",
        '"; DROP TABLE customers_customer; --',
        "%_%",
        "<script>alert(1)</script>",
        "\\",
    ]
    for query in hostile:
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get("/search/", {"q": query}, headers=headers)
            assert response.status_code == 200, query
            assert "<script>alert(1)</script>" not in response.content.decode()
    escaped = client.get("/search/", {"q": "<script>alert(1)</script>"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in escaped
    assert names(sales, "张\x00伟") == ["张伟"]  # the NUL is dropped, not searched
    assert names(sales, "%_%") == [] and names(sales, "' OR 1=1 --") == []
    assert len(clean_query("x" * 10_000)) == MAX_QUERY
    api = api_as(sales)
    assert api.get("/search?q=" + "x" * (MAX_QUERY + 1)).status_code == 422
    assert api.get("/search?q=%3Cb%3E").json()["q"] == "<b>"  # JSON: data, not markup
    nul = api.get("/search?q=%E5%BC%A0%00%E4%BC%9F")  # 张\x00伟
    assert nul.status_code == 200 and [c["name"] for c in nul.json()["customers"]] == ["张伟"]
    assert api.get("/search?q=%27%20OR%201%3D1%20--").json()["customers"] == []


def test_an_empty_query_finds_nothing_and_shows_the_recent_customers(
    sales: User, zhang: Any
) -> None:
    assert search_everything(actor=sales, query="   ").empty
    client = signed_in(sales)
    assert "张伟" not in client.get("/search/", {"q": ""}).content.decode()
    opened = client.get(f"/search/open/{zhang.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/customers/{zhang.pk}/"
    recent = client.get("/search/", {"q": ""}, headers={"HX-Request": "true"}).content.decode()
    assert "张伟" in recent and "<html" not in recent  # the fragment alone


def test_the_header_list_stays_closed_when_there_is_nothing_to_offer(sales: User) -> None:
    empty = signed_in(sales).get("/search/", {"q": ""}, headers={"HX-Request": "true"})
    assert empty.status_code == 200 and empty.content == b""
    nothing = signed_in(sales).get("/search/", {"q": "无此人"}, headers={"HX-Request": "true"})
    assert "无此人" in nothing.content.decode()  # "nothing found for …"


def test_recent_customers_drop_out_when_access_is_lost(
    sales: User, outsider: User, admin_user: User, zhang: Any
) -> None:
    from dossier.customers.services import update_customer

    client = signed_in(sales)
    client.get(f"/search/open/{zhang.pk}/")
    update_customer(
        actor=admin_user,
        customer_id=zhang.pk,
        values={},
        expected_version=zhang.version,
        owner=outsider,
    )
    assert "张伟" not in client.get("/search/").content.decode()
    assert "张伟" not in client.get("/home/").content.decode()


def test_results_are_grouped_keyboard_ready_links(sales: User, zhang: Any, order: Any) -> None:
    page = signed_in(sales).get("/search/", {"q": "TM20260301001"}).content.decode()
    assert "data-search-results" in page and "data-result" in page
    assert f'href="/orders/{order.pk}/"' in page and 'id="found-orders"' in page
    assert 'aria-label="Order TM20260301001' in page
    header = signed_in(sales).get("/home/").content.decode().split("<main", 1)[0]
    assert 'role="search"' in header and 'for="global-search-q"' in header
    assert 'aria-keyshortcuts="/"' in header and "/static/home/search.js" in header


def test_an_exact_find_beyond_ones_own_customers_is_audited(
    make_user: Callable[..., User], zhang: Any
) -> None:
    from dossier.core import roles

    # service finds any owner's customer by a whole phone number (roles.FIND_ANY_OWNER_BY),
    # through the customer list's own rule, and the find is audited there; a name is not enough
    desk = make_user("desk", roles.SERVICE, team="west")
    assert search_everything(actor=desk, query="张伟").customers == []
    found = search_everything(actor=desk, query=PHONE).customers
    assert [c["name"] for c in found] == ["张伟"] and found[0]["found_by_lookup"]
    assert AuditEvent.objects.filter(
        actor=desk, customer_id=zhang.pk, action="view_sensitive"
    ).exists()


def test_the_api_answers_grouped_results_within_the_callers_scope(
    sales: User, outsider: User, analyst: User, zhang: Any, order: Any, ticket: Any,
    api_as: Callable[..., Any],
) -> None:  # fmt: skip
    mine = api_as(sales, scope="read").get("/search?q=zhangwei").json()
    assert [c["name"] for c in mine["customers"]] == ["张伟"]
    assert mine["orders"] == [] and mine["tickets"] == []
    by_order = api_as(sales).get("/search?q=TM20260301001").json()
    assert by_order["orders"][0]["number"] == "TM20260301001"
    by_ticket = api_as(sales).get(f"/search?q=%23{ticket.pk}").json()
    assert by_ticket["tickets"][0]["id"] == ticket.pk
    for user in (outsider, analyst):
        theirs = api_as(user).get("/search?q=zhangwei")
        assert theirs.status_code == 200
        assert theirs.json()["customers"] == []
    assert api_as(None).get("/search?q=zw").status_code == 401
    assert api_as(sales).get("/search").json() == {
        "q": "",
        "customers": [],
        "orders": [],
        "tickets": [],
    }
