"""The public form on a phone, in Chinese: filled in, the SMS code typed, a lead created.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright, like the insights tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from dossier.accounts.services import create_user, ensure_roles
from dossier.capture.models import CaptureForm, CaptureSubmission, Status
from dossier.capture.services import create_form
from dossier.consent.models import ConsentEvent
from dossier.consent.senders import MemorySender
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services.profiles import current_version
from dossier.templates.selectors import get_template
from dossier.templates.services import install_builtin_templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
PHONE_WIDTH = 375


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
def counter_form(live_server: Any, settings: Any) -> CaptureForm:
    settings.DOSSIER_CONSENT_SENDER = "dossier.consent.senders.MemorySender"
    MemorySender.outbox.clear()
    ensure_roles()
    install_builtin_templates()
    manager = create_user(username="qian.li", password="x-pass-42", role=roles.MANAGER, team="east")
    owner = create_user(username="sun.yu", password="x-pass-42", role=roles.SALES, team="east")
    template = get_template(key="retail_member")
    specs = current_version(template).specs()
    required = [s.key for s in specs if s.required and s.default in (None, "")]
    return create_form(
        actor=manager,
        template=template,
        owner=owner,
        values={
            "slug": "store-counter",
            "title_zh": "门店会员登记",
            "title_en": "Store sign-up",
            "fields": list(dict.fromkeys([*required, "display_name", "phone"])),
            "consents": ["marketing"],
            "consent_channel": "sms",
            "notice_version": "2026-03",
            "source": "store",
            "lifecycle": "lead",
            "verify_via": "sms",
        },
    )


def test_a_visitor_signs_up_on_a_phone_and_confirms_the_code(
    browser: Browser, live_server: Any, counter_form: CaptureForm
) -> None:
    context = browser.new_context(
        locale="zh-CN", viewport={"width": PHONE_WIDTH, "height": 740}, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/f/{counter_form.slug}/")
    expect(page.locator("h1")).to_contain_text("门店会员登记")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    # the honeypot is off screen and out of the tab order
    assert (
        not page.locator("#id_website").is_visible()
        or page.locator("#id_website").bounding_box()["x"] < 0
    )  # type: ignore[index]
    page.fill("#id_display_name", "周小燕")
    page.fill("#id_phone", "12")
    page.click("button[type=submit]")
    expect(page.locator("#error_phone")).to_be_visible()
    assert not CaptureSubmission.objects.exists()
    page.fill("#id_phone", "13911112222")
    page.check("input[name=consents][value=marketing]")
    page.click("button[type=submit]")
    expect(page.locator("#id_code")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert not Customer.objects.exists()
    code = MemorySender.outbox[-1].code
    page.fill("#id_code", code)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_contain_text("谢谢")
    submission = CaptureSubmission.objects.get()
    assert submission.status == Status.CREATED
    customer = Customer.objects.get()
    assert (customer.lifecycle, customer.source, customer.owner.username) == (
        "lead",
        "store",
        "sun.yu",
    )
    assert ConsentEvent.objects.get().notice_version == "2026-03"
    context.close()
