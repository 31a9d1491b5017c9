"""The quality trend and the policy page in a real browser, at phone and desktop sizes.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; `make test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dossier.accounts.services import create_user, ensure_roles
from dossier.core import roles
from dossier.quality.months import record_month
from dossier.quality.policies import policies
from dossier.quality.refresh import refresh_quality
from dossier.templates.models import Template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-pass"
SIZES = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # made from the same thread, one at a time
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield chromium
        chromium.close()


@pytest.fixture(params=sorted(SIZES))
def screen(request: Any, browser: Browser) -> Iterator[Page]:
    width, height = SIZES[request.param]
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": height})
    yield context.new_page()
    context.close()


@pytest.fixture
def site(live_server: Any, quality_template: Template, make_member: Any, owner: Any) -> str:
    ensure_roles()
    create_user(username="an.admin", password=PASSWORD, role=roles.ADMIN)
    make_member(owner)
    make_member(owner, wechat_id="wx")
    now = timezone.now()
    for months_ago in (2, 1, 0):
        at = now - timedelta(days=31 * months_ago)
        refresh_quality(now=at)
        record_month(now=at)
    return str(live_server.url)


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width  # type: ignore[index]


def test_an_admin_sees_the_trend_chart_and_changes_a_policy(screen: Page, site: str) -> None:
    screen.goto(f"{site}/login/")
    screen.fill("#id_username", "an.admin")
    screen.fill("#id_password", PASSWORD)
    screen.click("button[type=submit]")
    screen.goto(f"{site}/quality/")
    expect(screen.get_by_role("heading", name="Trend by month")).to_be_visible()
    expect(screen.locator('[data-chart="quality-trend"]')).to_have_attribute("data-drawn", "true")
    expect(screen.locator("#trend-overall tbody tr")).to_have_count(3)
    _fits(screen)

    screen.get_by_role("link", name="Quality policies").click()
    screen.get_by_role("link", name="Quality member").click()
    _fits(screen)
    screen.fill("#id_freshness_months", "200")
    screen.fill("#id_weight_wechat_id", "5")
    screen.get_by_role("button", name="Save the policy").click()
    expect(screen.locator("#policy-errors")).to_contain_text("must be at most 120")
    expect(screen.locator("#id_weight_wechat_id")).to_have_value("5")  # nothing typed lost
    _fits(screen)
    screen.fill("#id_freshness_months", "6")
    screen.get_by_role("button", name="Save the policy").click()
    expect(screen.get_by_text("The quality policy was saved.")).to_be_visible()
    policy = policies()[Template.objects.get(key="quality-member").pk]
    assert (policy.freshness_months, policy.weights["wechat_id"]) == (6, 5)
