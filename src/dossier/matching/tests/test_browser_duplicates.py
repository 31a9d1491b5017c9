"""The duplicates review on a phone, in Chinese: the group side by side scrolls sideways, the
explanation reads in Chinese, a field's value is picked and the merge undone.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; `make test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from dossier.accounts.services import create_user, ensure_roles
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.matching.models import DuplicateGroup
from dossier.matching.services.scanning import run_scan
from dossier.templates.selectors import get_template
from dossier.templates.services import install_builtin_templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-pass"


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
def group(live_server: Any) -> DuplicateGroup:
    ensure_roles()
    install_builtin_templates()
    seller = create_user(username="wang.fang", password=PASSWORD, role=roles.SALES, team="east")
    template = get_template(key="retail_member")
    for name, phone in (("张伟", "13800138000"), ("Wei Zhang", "+86 138 0013 8000")):
        create_customer(
            actor=seller,
            template=template,
            values={"display_name": name, "phone": phone},
            allow_duplicate=True,
        )
    run_scan()
    return DuplicateGroup.objects.get()


def test_a_group_is_merged_on_a_phone_in_chinese_and_undone(
    browser: Browser, live_server: Any, group: DuplicateGroup
) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 375, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "wang.fang")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/duplicates/")
    page.click(f"a[href='/duplicates/{group.pk}/']")
    expect(page.locator("#why")).to_contain_text("电话相同")
    # the table scrolls inside its box: the page itself is no wider than the phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.check("input[name='pick_display_name'] >> nth=1")
    page.click("button:has-text('合并')")
    expect(page.locator("body")).to_contain_text("已合并")
    survivors = Customer.objects.filter(deleted_at__isnull=True)
    assert survivors.count() == 1
    page.click("button:has-text('撤销这次合并')")
    expect(page.locator("body")).to_contain_text("合并已撤销")
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 2
    context.close()
