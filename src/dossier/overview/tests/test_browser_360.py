"""The 360 page in a real browser at phone size: figures, quick actions, the timeline's
order, a filter by kind, "more", and the reload when something changed the timeline.

The timeline's entries and kinds are made in the test (see conftest: fake kinds); the flow
through the real apps (log a call, close a ticket, the follow-up in "my tasks") is in
``flow_360_pending.py`` until those apps land. Drives Debian's Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dossier.activity.figures import add_to_figures
from dossier.activity.models import CustomerFigures
from dossier.activity.services import record_entry
from dossier.overview.selectors import PAGE_SIZE
from dossier.overview.tests.conftest import START, FakeKinds, add_entries

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
ENTRIES = 45  # visits are the even ones, parcels the odd ones (22 of them)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself are safe (one thread, no concurrency), so allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def _logged_in(browser: Browser, live_server: Any, user: User, viewport: dict[str, int]) -> Page:
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="en-GB", viewport=viewport)  # type: ignore[arg-type]
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


@pytest.fixture
def phone(browser: Browser, live_server: Any, owner: User) -> Iterator[Page]:
    page = _logged_in(browser, live_server, owner, PHONE)
    yield page
    page.context.close()


@pytest.fixture
def history(customer: Any, fake_kinds: FakeKinds) -> Any:
    add_entries(customer, ENTRIES, ["visit", "parcel"])
    CustomerFigures.objects.create(customer=customer, order_count=4, total_spend=Decimal("1000"))
    return customer


def _top(page: Page, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box is not None, selector
    return float(box["y"])


def test_phone_shows_figures_actions_and_the_timeline_filters_and_pages(
    phone: Page, live_server: Any, history: Any
) -> None:
    phone.goto(f"{live_server.url}/customers/{history.pk}/")
    header = phone.locator("#c360-header")
    expect(header.locator("#figure_order_count dd")).to_have_text("4")
    expect(header.locator("#figure_total_spend dd")).to_have_text("¥1,000.00")
    expect(header.locator("#figure_complaint_count dd")).to_have_text("—")
    expect(phone.locator("#c360-actions summary")).to_have_text(["Log a visit"])
    # on a phone: figures, quick actions, the timeline, then the profile facts
    tops = [_top(phone, s) for s in ("#c360-header", "#c360-actions", "#c360-timeline")]
    assert tops == sorted(tops) and tops[-1] < _top(phone, "#profile")
    # nothing wider than the phone
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    entries = phone.locator("#c360-timeline .timeline-entry")
    expect(entries).to_have_count(PAGE_SIZE)
    expect(entries.nth(0)).to_contain_text("visit row visit-44")
    expect(entries.nth(1)).to_contain_text("status 43")

    phone.locator(".chip[data-kind='parcel']").click()
    expect(phone.locator(".chip[aria-current]")).to_have_text("Parcel")
    expect(phone).to_have_url(f"{live_server.url}/customers/{history.pk}/?kind=parcel")
    expect(entries).to_have_count(PAGE_SIZE)
    expect(phone.locator("#c360-timeline .timeline-entry[data-kind='visit']")).to_have_count(0)
    expect(entries.nth(0)).to_contain_text("status 43")

    phone.locator(".timeline-more a").click()
    expect(entries).to_have_count(22)  # every parcel, none twice
    expect(entries.nth(21)).to_contain_text("status 1")
    expect(phone.locator(".timeline-more")).to_have_count(0)
    phone.screenshot(path="/tmp/dossier-360-phone.png", full_page=True)


def test_the_page_reloads_timeline_and_figures_when_the_timeline_changed(
    phone: Page, live_server: Any, history: Any
) -> None:
    phone.goto(f"{live_server.url}/customers/{history.pk}/?kind=parcel")
    expect(phone.locator("#c360-timeline .timeline-entry").nth(0)).to_contain_text("status 43")
    # what a quick action's service does, and then the header its answer carries
    record_entry(
        customer_id=history.pk,
        kind="parcel",
        object_id="parcel-new",
        occurred_at=START + timedelta(days=30),
        summary={"status": "status 99"},
    )
    add_to_figures(customer_id=history.pk, order_count=1, total_spend=Decimal("20"))
    phone.evaluate("htmx.trigger(document.body, 'timeline-changed')")
    expect(phone.locator("#c360-timeline .timeline-entry").nth(0)).to_contain_text("status 99")
    expect(phone.locator(".chip[aria-current]")).to_have_text("Parcel")  # the filter stays
    expect(phone.locator("#figure_order_count dd")).to_have_text("5")


def test_desktop_puts_the_profile_beside_the_timeline(
    browser: Browser, live_server: Any, owner: User, history: Any
) -> None:
    page = _logged_in(browser, live_server, owner, {"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/customers/{history.pk}/")
    timeline = page.locator("#c360-timeline").bounding_box()
    profile = page.locator("#profile").bounding_box()
    assert timeline is not None and profile is not None
    assert profile["x"] > timeline["x"] + timeline["width"] - 1  # beside, to the right
    assert abs(profile["y"] - page.locator("#c360-actions").bounding_box()["y"]) < 5  # type: ignore[index]
    page.screenshot(path="/tmp/dossier-360-desktop.png")
    page.context.close()
