"""A segment built on the page: the count follows each change, the segment is saved and shows
in the reports, whose charts are drawn; on a phone, in Chinese, nothing runs off the screen.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; `make test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dossier.accounts.services import create_user, ensure_roles
from dossier.activity.figures import add_to_figures
from dossier.core import roles
from dossier.customers.services import create_customer
from dossier.insights.models import Segment
from dossier.insights.scoring import refresh_scores
from dossier.insights.services import recount_segments
from dossier.templates.selectors import get_template
from dossier.templates.services import install_builtin_templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-pass"
# (city, spend): two big spenders in Shanghai, one in Beijing, one small one in Shanghai
SPENDERS = [("上海", 5000), ("上海", 1200), ("北京", 3000), ("上海", 20)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def manager(live_server: Any) -> str:
    ensure_roles()
    install_builtin_templates()
    user = create_user(username="zhou.min", password=PASSWORD, role=roles.MANAGER, team="east")
    template = get_template(key="retail_member")
    for n, (city, spend) in enumerate(SPENDERS):
        customer = create_customer(
            actor=user,
            template=template,
            values={"display_name": f"客户{n}", "phone": f"1390000000{n}", "city": city},
            allow_duplicate=True,
        )
        add_to_figures(customer_id=customer.pk, order_count=1, total_spend=Decimal(spend))
    return user.username


def _log_in(page: Page, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def _wired(page: Page, selector: str) -> None:
    """Wait until htmx has taken a swapped-in element in hand (a user could not be faster)."""
    page.wait_for_function(
        "s => { const e = document.querySelector(s); return !!(e && e['htmx-internal-data']); }",
        arg=selector,
    )


def _count(page: Page) -> Any:
    return page.locator("#segment-count [data-count]")


def test_a_segment_is_built_watched_saved_and_seen_in_the_reports(
    browser: Browser, live_server: Any, manager: str
) -> None:
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/insights/segments/new/")
    page.fill("#id_name", "Big spenders in Shanghai")
    _wired(page, "#id_r0-field")
    page.select_option("#id_r0-field", "total_spend")
    expect(page.locator("#id_r0-op")).to_have_value("eq")  # the row was re-drawn
    page.select_option("#id_r0-op", "gte")
    page.fill("#id_r0-value", "1000")
    expect(_count(page)).to_have_attribute("data-count", "3")
    page.click("#add-condition")
    _wired(page, "#id_r1-field")
    page.select_option("#id_r1-field", "city")
    expect(page.locator("#id_r1-op")).to_have_value("eq")
    page.fill("#id_r1-value", "上海")
    expect(_count(page)).to_have_attribute("data-count", "2")
    # a wrong value is named where the count was
    page.fill("#id_r0-value", "lots")
    expect(page.locator("#segment-problem")).to_contain_text("rules.all[0].value")
    page.fill("#id_r0-value", "1000")
    expect(_count(page)).to_have_attribute("data-count", "2")
    page.click("#save-segment")
    expect(page.locator("body")).to_contain_text("saved")
    segment = Segment.objects.get()
    assert segment.rules["all"][1] == {"field": "city", "op": "eq", "value": "上海"}
    recount_segments()
    refresh_scores()
    page.goto(f"{live_server.url}/insights/reports/")
    expect(page.locator("#report-segments")).to_contain_text("Big spenders in Shanghai")
    expect(page.locator("[data-chart='value']")).to_have_attribute("data-drawn", "true")
    expect(page.locator("[data-chart='segments']")).to_have_attribute("data-drawn", "true")
    context.close()


def test_the_editor_and_the_reports_fit_a_phone_in_chinese(
    browser: Browser, live_server: Any, manager: str
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800})
    page = context.new_page()
    _log_in(page, live_server.url, manager)
    page.goto(f"{live_server.url}/insights/segments/new/")
    expect(page.locator("h1")).to_contain_text("新建分群")
    expect(_count(page)).to_have_attribute("data-count", "4")  # a new row: orders ≥ 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.click("#add-condition")
    _wired(page, "#id_r1-field")
    page.locator("[data-remove-row] >> nth=1").click()
    expect(page.locator("fieldset.condition")).to_have_count(1)
    page.goto(f"{live_server.url}/insights/reports/")
    expect(page.locator("h1")).to_contain_text("报表")
    expect(page.locator("[data-chart='value']")).to_have_attribute("data-drawn", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
