"""Accessibility: the working pages pass axe-core with no serious or critical violation.

Each page is opened at desktop and phone size, in Chinese and in English, on a small demo
database; the vendored axe-core (core/static/core/vendor/axe, never linked by a page) is
injected by the test. Drives Debian's Chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from dossier.customers.models import Customer
from dossier.site.demo import run_demo
from dossier.site.tests.migrated_data import (
    migrated_data_back_for_later_tests,
    restore_migrated_data,
)
from dossier.templates.models import Template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
_migrated_data_back = migrated_data_back_for_later_tests
CHROMIUM = "/usr/bin/chromium"
AXE = "/static/core/vendor/axe/axe.min.js"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
LANGUAGES = ("zh-hans", "en")
BLOCKING = {"serious", "critical"}
# axe's result, cut down to what a failure message needs
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
  }));
}"""


def _demo(count: int) -> None:
    """A small demo database on what ``dossier migrate`` makes."""
    restore_migrated_data()
    run_demo(count=count, seed=7)


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


def _pages() -> dict[str, str]:
    """The named pages, by a short name, for the demo's administrator."""
    customer = Customer.objects.order_by("created_at").first()
    template = Template.objects.order_by("key").first()
    assert customer is not None and template is not None
    return {
        "home": "/home/",
        "customer list": reverse("customers:list"),
        "customer page": reverse("customers:detail", args=[customer.pk]),
        "template picker": reverse("customers:new"),
        "customer form": reverse("customers:create", args=[template.key]),
        "template list": reverse("templates:list"),
        "template editor": reverse("templates:edit", args=[template.key]),
        "tickets": reverse("tickets:list"),
        "my tasks": reverse("followups:my_tasks"),
        "segments": reverse("insights:segments"),
        "reports": reverse("insights:reports"),
        "grade thresholds": reverse("insights:thresholds"),
        "privacy requests": reverse("privacy:requests"),
    }


def _context(browser: Browser, url: str, size: str, language: str) -> BrowserContext:
    context = browser.new_context(viewport=SIZES[size])  # type: ignore[arg-type]
    context.add_cookies([{"name": "django_language", "value": language, "url": url}])
    return context


def _violations(page: Page, base: str, path: str) -> list[dict[str, Any]]:
    page.goto(base + path)
    page.wait_for_load_state("networkidle")  # htmx sections and charts have loaded
    page.add_script_tag(url=base + AXE)
    found: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    return [v for v in found if v["impact"] in BLOCKING]


def test_named_pages_have_no_serious_or_critical_axe_violations(
    browser: Browser, live_server: Any
) -> None:
    _demo(12)
    admin = User.objects.get(username="admin")
    client = Client()
    client.force_login(admin)
    session = client.cookies["sessionid"].value
    pages = _pages()
    failures: list[str] = []
    for size in SIZES:
        for language in LANGUAGES:
            context = _context(browser, live_server.url, size, language)
            page = context.new_page()
            where = f"{size}, {language}"
            for violation in _violations(page, live_server.url, "/login/"):
                failures.append(f"log-in ({where}): {violation}")
            assert page.locator("html").get_attribute("lang") == language
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            for name, path in pages.items():
                for violation in _violations(page, live_server.url, path):
                    failures.append(f"{name} ({where}): {violation}")
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > SIZES[size]["width"]:
                    failures.append(f"{name} ({where}): scrolls sideways, {width}px wide")
            context.close()
    assert failures == [], "\n".join(failures)


def test_axe_reports_a_violation_it_is_shown(browser: Browser, live_server: Any) -> None:
    """The check can fail: a page with an unnamed image button is reported as critical."""
    context = _context(browser, live_server.url, "phone", "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.evaluate(
        "() => { const b = document.createElement('button');"
        " document.querySelector('main').appendChild(b); }"
    )
    page.add_script_tag(url=f"{live_server.url}{AXE}")
    found = [v for v in page.evaluate(RUN_AXE) if v["impact"] in BLOCKING]
    context.close()
    assert "button-name" in {v["id"] for v in found}


def test_api_docs_render_on_a_phone_without_sideways_scrolling(
    browser: Browser, live_server: Any
) -> None:
    """The docs page (ninja's Swagger UI in a page of ours) fits a phone's width.

    Swagger UI's own markup is not ours to fix, so axe is not asked about it here.
    """
    context = _context(browser, live_server.url, "phone", "en")
    page = context.new_page()
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 50  # the settings reached Swagger UI: it loaded
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES["phone"]["width"]
    context.close()


def test_the_customers_main_actions_sit_at_the_bottom_of_a_phones_screen(
    browser: Browser, live_server: Any
) -> None:
    _demo(3)
    seller = User.objects.get(username="sales")
    customer = Customer.objects.filter(owner=seller).first()
    assert customer is not None
    client = Client()
    client.force_login(seller)
    boxes = {}
    for size in SIZES:
        context = _context(browser, live_server.url, size, "en")
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        page.goto(live_server.url + reverse("customers:detail", args=[customer.pk]))
        bar = page.locator(".action-bar")
        assert bar.locator("a[href^='tel:']").count() == 1
        boxes[size] = bar.bounding_box()
        context.close()
    phone, desktop = boxes["phone"], boxes["desktop"]
    assert phone is not None and desktop is not None
    assert phone["y"] + phone["height"] == SIZES["phone"]["height"]  # at the bottom edge
    assert desktop["y"] < 300  # on a desktop, in the page's head
