"""The customer's page as a 360 view: figures, quick actions, one timeline, filters, paging."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dossier.activity.models import CustomerFigures
from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.customers.models import Customer
from dossier.customers.services import share_customer
from dossier.overview.selectors import PAGE_SIZE
from dossier.overview.tests.conftest import FakeKinds, add_entries
from dossier.templates.services import create_template

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_of(user: User, customer: Any, **query: str) -> str:
    response = client_for(user).get(reverse("customers:detail", args=[customer.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def numbers(html: str) -> list[int]:
    """The ``n`` of each timeline entry in page order (each entry's id is ``entry-<pk>``)."""
    entry = r'<li class="timeline-entry" id="entry-\d+" data-kind="[a-z]+">'
    entry += r".*?(?:row [a-z]+-|status )(\d+)"
    return [int(n) for n in re.findall(entry, html, re.S)]


def test_page_shows_header_quick_actions_and_timeline_newest_first(
    owner: User, customer: Any, fake_kinds: FakeKinds
) -> None:
    add_entries(customer, 5, ["visit", "parcel"])
    html = page_of(owner, customer)
    header, actions, timeline, profile = (
        html.index('id="c360-header"'),
        html.index('id="c360-actions"'),
        html.index('id="c360-timeline"'),
        html.index('id="profile"'),
    )
    # the order a phone shows them in (a desktop puts the profile beside the timeline)
    assert header < actions < timeline < profile
    assert numbers(html) == [4, 3, 2, 1, 0]
    assert "visit row visit-4" in html and '<span class="parcel">status 3</span>' in html
    assert 'id="action_log_visit"' in html and "Save visit" in html
    # the B2B-only action and kind do not fit a retail member's template
    assert "fake-b2b-action" not in html and 'data-kind="contract"' not in html


def test_header_is_blank_where_nothing_happened(owner: User, customer: Any) -> None:
    html = page_of(owner, customer)
    figures = re.findall(r'id="figure_(\w+)"><dt>[^<]*</dt><dd>(.*?)</dd>', html)
    assert len(figures) == 10
    assert all("—" in text and not re.search(r">\s*0\s*<", text) for _key, text in figures)


def test_header_shows_the_kept_figures(owner: User, customer: Any) -> None:
    CustomerFigures.objects.create(
        customer=customer,
        order_count=4,
        total_spend=Decimal("1000.00"),
        last_purchase_at=datetime(2026, 2, 3, 20, tzinfo=UTC),  # 4 February in Shanghai
        csat_total=9,
        csat_count=2,
        last_nps=0,
    )
    html = page_of(owner, customer)

    def shown(key: str) -> str:
        return re.search(rf'id="figure_{key}"><dt>[^<]*</dt><dd>(.*?)</dd>', html).group(1)  # type: ignore[union-attr]

    assert shown("order_count") == "4"
    assert shown("total_spend") == "¥1,000.00"
    assert shown("average_order_value") == "¥250.00"
    assert "2026-02-04" in shown("last_purchase_at")
    assert shown("return_count") == "0"  # some orders, none returned: a fact, not a blank
    assert shown("average_csat") == "4.5 / 5"
    assert shown("last_nps") == "0"  # an answer of 0 is not "nothing happened"
    assert "—" in shown("complaint_count") and "—" in shown("open_tickets")


def test_filter_by_kind_on_the_page_and_in_the_partial(
    owner: User, customer: Any, fake_kinds: FakeKinds
) -> None:
    add_entries(customer, 6, ["visit", "parcel"])
    html = page_of(owner, customer, kind="parcel")
    assert numbers(html) == [5, 3, 1]
    assert re.search(r'<a class="chip"[^>]*data-kind="parcel"[^>]*aria-current="true"', html)
    url = reverse("overview:timeline", args=[customer.pk])
    part = client_for(owner).get(url, {"kind": "visit"})
    assert part.status_code == 200
    text = part.content.decode()
    assert text.lstrip().startswith("<section") and numbers(text) == [4, 2, 0]
    # the section reloads itself with the same filter when the timeline changes
    assert f'hx-get="{url}?kind=visit" hx-trigger="timeline-changed from:body"' in text


def test_more_pages_by_cursor_without_repeating_or_skipping(
    owner: User, customer: Any, fake_kinds: FakeKinds
) -> None:
    count = PAGE_SIZE * 2 + 5
    add_entries(customer, count, ["visit", "parcel"])
    client = client_for(owner)
    html = page_of(owner, customer)
    seen = numbers(html)
    assert len(seen) == PAGE_SIZE
    while True:
        more = re.search(r'hx-get="([^"]*cursor=[^"]*)" hx-target="closest li"', html)
        if more is None:
            break
        response = client.get(more.group(1).replace("&amp;", "&"))
        assert response.status_code == 200
        html = response.content.decode()
        assert not html.lstrip().startswith("<section")  # entries only, appended in place
        seen += numbers(html)
    assert seen == list(range(count - 1, -1, -1))


def test_more_keeps_the_chosen_kind(owner: User, customer: Any, fake_kinds: FakeKinds) -> None:
    add_entries(customer, PAGE_SIZE * 3, ["visit", "parcel"])
    html = page_of(owner, customer, kind="visit")
    more = re.search(r'hx-get="([^"]*cursor=[^"]*)"', html)
    assert more is not None and "kind=visit" in more.group(1)
    text = client_for(owner).get(more.group(1).replace("&amp;", "&")).content.decode()
    assert all(n % 2 == 0 for n in numbers(text)) and len(numbers(text)) == PAGE_SIZE // 2


def test_entry_of_a_kind_nobody_registered_is_drawn_from_its_summary(
    owner: User, customer: Any, fake_kinds: FakeKinds
) -> None:
    add_entries(customer, 1, ["gift"])
    html = page_of(owner, customer)
    entry = html[html.index('data-kind="gift"') :]
    assert '<span class="badge">gift</span>' in entry
    assert '<span class="muted">status</span> status 0' in entry
    assert '<span class="muted">n</span> 0' in entry


def test_entry_whose_row_the_viewer_may_not_load_shows_only_its_summary(
    owner: User, customer: Any, fake_kinds: FakeKinds
) -> None:
    add_entries(customer, 3, ["visit"])
    fake_kinds.hidden = {"visit-1"}
    html = page_of(owner, customer)
    assert "visit row visit-0" in html and "visit row visit-2" in html
    assert "visit row visit-1" not in html
    assert '<span class="visit-summary">status 1</span>' in html
    # one call of the loader for the page's entries of that kind, not one per entry
    assert fake_kinds.asked == [("visit", ["visit-2", "visit-1", "visit-0"])]


def test_kinds_and_quick_actions_follow_the_templates_scenario(
    owner: User, make_customer: Callable[..., Any], fake_kinds: FakeKinds
) -> None:
    accounts = create_template(
        actor=system_actor("tests"), key="accounts", name_zh="大客户", scenario="b2b_account"
    )
    account = make_customer(owner, template=accounts)
    add_entries(account, 3, ["contract", "visit", "gift"])
    html = page_of(owner, account)
    assert 'data-kind="contract"' in html and "fake-b2b-action" in html
    assert numbers(html) == [2, 1, 0]

    member = make_customer(owner)
    add_entries(member, 3, ["contract", "visit", "gift"], start=10)
    html = page_of(owner, member)
    # a member's timeline leaves out the accounts-only kind, but not a kind nobody registered
    assert numbers(html) == [11, 10]  # 12 was a contract
    assert 'data-kind="contract"' not in html and "fake-b2b-action" not in html
    refused = client_for(owner).get(
        reverse("overview:timeline", args=[member.pk]), {"kind": "contract"}
    )
    assert "cannot be filtered" in refused.content.decode()


def test_a_forged_cursor_shows_a_friendly_word_and_the_newest_entries(
    owner: User, customer: Any, fake_kinds: FakeKinds
) -> None:
    add_entries(customer, 3, ["visit"])
    html = page_of(owner, customer, cursor="not-a-cursor")
    assert 'id="timeline-problem"' in html and "newest entries" in html
    assert numbers(html) == [2, 1, 0]
    url = reverse("overview:timeline", args=[customer.pk])
    more = client_for(owner).get(url, {"cursor": "bm90LWEtY3Vyc29y"})
    assert more.status_code == 422
    assert "could not be found" in more.content.decode()


def test_an_unknown_kind_filter_shows_every_kind_with_a_friendly_word(
    owner: User, customer: Any, fake_kinds: FakeKinds
) -> None:
    add_entries(customer, 2, ["visit", "parcel"])
    html = page_of(owner, customer, kind="nonsense")
    assert "cannot be filtered" in html and numbers(html) == [1, 0]


def test_partials_are_not_found_for_who_may_not_see_the_customer(
    customer: Any, make_user: Callable[..., User]
) -> None:
    for user in (make_user("zhao", roles.SALES, team="west"), make_user("an", roles.ANALYST)):
        client = client_for(user)
        for name in ("overview:timeline", "overview:header"):
            response = client.get(reverse(name, args=[customer.pk]))
            assert response.status_code == 404, (user, name)
            assert "status" not in response.content.decode()


def test_no_quick_actions_section_when_none_is_registered_or_allowed(
    owner: User, customer: Any, make_user: Callable[..., User], fake_kinds: FakeKinds
) -> None:
    marketer = make_user("ma", roles.MARKETING)
    share_customer(actor=owner, customer_id=customer.pk, user=marketer)
    assert 'id="c360-actions"' in page_of(owner, customer)
    # marketing may see the customer but not change it: the only fitting action is not allowed
    html = page_of(marketer, customer)
    assert 'id="c360-actions"' not in html and 'id="c360-timeline"' in html


def test_the_page_reloads_timeline_and_header_when_the_timeline_changes(
    owner: User, customer: Any
) -> None:
    html = page_of(owner, customer)
    header = reverse("overview:header", args=[customer.pk])
    timeline = reverse("overview:timeline", args=[customer.pk])
    assert f'hx-get="{header}" hx-trigger="timeline-changed from:body"' in html
    assert f'hx-get="{timeline}" hx-trigger="timeline-changed from:body"' in html
    part = client_for(owner).get(header)
    assert part.status_code == 200 and 'id="figure_order_count"' in part.content.decode()


def test_page_queries_do_not_grow_with_the_entries_shown(
    owner: User, customer: Any, make_customer: Callable[..., Any], fake_kinds: FakeKinds
) -> None:
    client = client_for(owner)
    add_entries(customer, 2, ["visit", "parcel"])
    url = reverse("customers:detail", args=[customer.pk])
    client.get(url)  # what a first request remembers (the template version, the role)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add_entries(customer, PAGE_SIZE * 2, ["visit", "parcel", "gift"], start=2)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_360_page_speaks_chinese(owner: User, customer: Any, fake_kinds: FakeKinds) -> None:
    add_entries(customer, 1, ["visit"])
    client = client_for(owner)
    html = client.get(
        reverse("customers:detail", args=[customer.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    for words in ("时间线", "订单数", "快捷操作", "全部", "档案", "拨打电话", "发邮件"):
        assert words in html, words


def test_an_erased_customer_offers_no_quick_actions(
    owner: User, customer: Any, fake_kinds: FakeKinds
) -> None:
    Customer.objects.filter(pk=customer.pk).update(erased_at=datetime(2026, 5, 1, tzinfo=UTC))
    html = page_of(owner, customer)
    assert 'id="c360-actions"' not in html and 'id="c360-header"' in html


def test_a_forged_cursor_far_in_the_past_is_a_validation_error_not_a_crash(
    owner: Any, customer: Any, api_as: Any
) -> None:
    # a time that parses but cannot be put in UTC, as an old base64 cursor could carry
    forged = "0001-01-01T00:00:00+14:00|1"
    for cursor in (forged, "0-1x", "99999999999999999-1"):
        got = api_as(owner).get(f"/customers/{customer.pk}/timeline?cursor={cursor}")
        assert got.status_code == 422, (cursor, got.status_code)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    page = client.get(f"/customers/{customer.pk}/timeline/?cursor=0001-01-01")
    assert page.status_code == 422
