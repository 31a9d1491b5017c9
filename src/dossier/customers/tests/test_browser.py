"""The first-use flow in a real browser: log in, pick a template, get errors, fix, save.

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
from dossier.templates.services import install_builtin_templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-pass"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself are safe (one thread, no concurrency), so allow them.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, request: Any) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def seller(live_server: Any) -> str:
    ensure_roles()
    install_builtin_templates()
    create_user(username="wang.fang", password=PASSWORD, role=roles.SALES, team="east")
    return live_server.url


def test_new_user_creates_customer_after_fixing_phone_and_id_number(
    page: Page, seller: str
) -> None:
    page.goto(f"{seller}/login/")
    page.fill("#id_username", "wang.fang")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(f"{seller}/login/")

    page.goto(f"{seller}/customers/new/")
    page.click("a[href$='/customers/new/real_estate_buyer/']")
    page.fill("#id_display_name", "欧阳娜娜")
    page.fill("#id_phone", "138 0013 800")  # one digit short
    page.fill("#id_id_number", "110105194912310021")  # wrong check digit (should be X)
    page.click("form button[type=submit]")

    phone_error = page.locator(".field.has-error", has=page.locator("#id_phone"))
    id_error = page.locator(".field.has-error", has=page.locator("#id_id_number"))
    expect(phone_error).to_contain_text("not a valid phone number")
    expect(id_error).to_contain_text("check digit")
    assert Customer.objects.count() == 0

    page.fill("#id_phone", "138 0013 8000")
    page.fill("#id_id_number", "11010519491231002X")
    page.click("form button[type=submit]")

    expect(page.locator("h1")).to_contain_text("欧阳娜娜")
    customer = Customer.objects.get()
    assert customer.phone == "+8613800138000"
    assert customer.protected["id_number"] == "11010519491231002X"
    assert customer.owner is not None and customer.owner.username == "wang.fang"
    # the sensitive ID number is masked on the page
    expect(page.locator("body")).to_contain_text("110105********002X")
    page.screenshot(
        path=os.environ.get("DOSSIER_SCREENSHOT", "/tmp/dossier-customer.png"), full_page=True
    )
