"""The header's search in a real browser: "/" focuses it, results appear as one types, the
arrow keys walk them and Enter opens one; the home page fits a phone's screen.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; `make test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dossier.accounts.services import create_user, ensure_roles
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.templates.selectors import get_template
from dossier.templates.services import install_builtin_templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-pass"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself are safe (one thread, no concurrency), so allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield launched
        launched.close()


@pytest.fixture
def customers(live_server: Any) -> list[Customer]:
    ensure_roles()
    install_builtin_templates()
    seller = create_user(username="li.na", password=PASSWORD, role=roles.SALES, team="east")
    template = get_template(key="retail_member")
    return [
        create_customer(
            actor=seller,
            template=template,
            values={"display_name": name, "phone": phone},
        )
        for name, phone in (("张伟", "13912345678"), ("张丽", "13912340000"))
    ]


def signed_in(chromium: Browser, url: str, width: int) -> Page:
    context = chromium.new_context(locale="en-GB", viewport={"width": width, "height": 740})
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", "li.na")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/home/")
    return page


def test_slash_focuses_the_search_and_arrow_keys_walk_the_results(
    chromium: Browser, live_server: Any, customers: list[Customer]
) -> None:
    page = signed_in(chromium, live_server.url, 1280)
    page.locator("h1").click()
    page.keyboard.press("/")
    expect(page.locator("#global-search-q")).to_be_focused()
    page.keyboard.type("zhang")
    results = page.locator("#global-search-popup a[data-result]")
    expect(results).to_have_count(3)  # two customers and "more customers"
    page.keyboard.press("ArrowDown")
    expect(results.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(results.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#global-search-q")).to_be_focused()
    page.keyboard.press("ArrowDown")
    opened = results.nth(0).get_attribute("href") or ""
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{opened.rstrip('/').split('/')[-1]}/")
    # the customer opened is now offered first when the box is empty
    page.goto(f"{live_server.url}/search/")
    expect(page.locator("main a[data-result]").first).to_have_attribute("href", opened)


def test_slash_types_a_slash_inside_another_field(
    chromium: Browser, live_server: Any, customers: list[Customer]
) -> None:
    page = signed_in(chromium, live_server.url, 1280)
    page.locator("#home-q").click()
    page.keyboard.type("a/b")
    expect(page.locator("#home-q")).to_have_value("a/b")
    expect(page.locator("#home-q")).to_be_focused()


def test_the_home_page_fits_a_phone_screen(
    chromium: Browser, live_server: Any, customers: list[Customer]
) -> None:
    page = signed_in(chromium, live_server.url, 390)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the screen
    page.screenshot(path=os.environ.get("HOME_SCREENSHOT", "/tmp/home-phone.png"), full_page=True)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 740 * 1.6, height  # about one screen for a sales user's day
