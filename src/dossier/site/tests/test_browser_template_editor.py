"""The template editor on a phone, in a real browser: a field opened to edit stays open when
the editor redraws itself (its type changed), and "add field" at the top adds an open field
where the user is. Drives Debian's Chromium (/usr/bin/chromium) through Playwright.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Browser, expect, sync_playwright

from dossier.site.tests.migrated_data import migrated_data_back_for_later_tests
from dossier.templates.models import Template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
_migrated_data_back = migrated_data_back_for_later_tests


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


def test_an_opened_field_stays_open_when_the_editor_redraws_and_add_at_the_top(
    browser: Browser, live_server: Any, admin_user: User, member_template: Template
) -> None:
    client = Client()
    client.force_login(admin_user)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    session = client.cookies["sessionid"].value
    context.add_cookies(
        [
            {"name": "sessionid", "value": session, "url": live_server.url},
            {"name": "django_language", "value": "en", "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/templates/member/edit/")
    rows = page.locator("details.field-row")
    expect(rows).to_have_count(5)
    for index in range(5):
        expect(rows.nth(index)).not_to_have_attribute("open", "")
    # each field is one line on a phone
    closed = rows.nth(3).bounding_box()
    assert closed is not None and closed["height"] < 90

    rows.nth(3).locator("summary").click()
    page.select_option("#fields-3-type", "integer")  # the editor redraws (htmx)
    expect(page.locator("#fields-3-min_value")).to_be_visible()  # the number's rule boxes
    expect(rows.nth(3)).to_have_attribute("open", "")
    expect(rows.nth(2)).not_to_have_attribute("open", "")

    page.click("#add-field-top")
    expect(rows).to_have_count(6)
    expect(page.locator("#fields-0-key")).to_be_visible()
    expect(page.locator("#fields-0-key")).to_have_value("")
    expect(rows.nth(4)).to_have_attribute("open", "")  # the field opened before, moved down
    context.close()
