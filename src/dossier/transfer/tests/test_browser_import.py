"""The import wizard in a real browser at phone size: a GBK file with Chinese headers is
uploaded, its suggested mapping kept, previewed, started, and its summary and error file seen.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; `make test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dossier.accounts.services import create_user, ensure_roles
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.templates.models import Template
from dossier.transfer.models import ImportRun
from dossier.transfer.tests.import_helpers import HEADER, member_row

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
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        locale="en-GB", viewport={"width": 390, "height": 844}, accept_downloads=True
    )
    yield context.new_page()
    context.close()


@pytest.fixture
def site(live_server: Any, settings: Any, tmp_path: Path, member_template: Template) -> str:
    settings.DATA_DIR = tmp_path
    ensure_roles()
    create_user(username="zhao.min", password=PASSWORD, role=roles.SERVICE, team="east")
    return str(live_server.url)


def gbk_file() -> bytes:
    bad = member_row(3)
    bad[3] = "110105195001010030"  # a 身份证 number whose check digit is wrong
    rows = [HEADER, member_row(1), member_row(2), bad]
    return "\r\n".join(",".join(row) for row in rows).encode("gbk")


def test_a_phone_uploads_previews_and_imports_a_gbk_file_then_downloads_its_errors(
    phone: Page, site: str, tmp_path: Path
) -> None:
    phone.goto(f"{site}/login/")
    phone.fill("#id_username", "zhao.min")
    phone.fill("#id_password", PASSWORD)
    phone.click("button[type=submit]")
    phone.goto(f"{site}/customers/")
    phone.get_by_role("link", name="Import", exact=True).click()
    expect(phone.get_by_role("heading", name="Import customers")).to_be_visible()

    phone.select_option("#id_template", "member")
    phone.set_input_files(
        "#id_file", files=[{"name": "会员名单.csv", "mimeType": "text/csv", "buffer": gbk_file()}]
    )
    phone.get_by_role("button", name="Upload and map the columns").click()
    expect(phone.get_by_role("heading", name="Map the columns")).to_be_visible()
    # the GBK headers were read and their fields suggested
    expect(phone.locator("label[for=id_column_1]")).to_have_text("手机号")
    expect(phone.locator("#id_column_1")).to_have_value("phone")

    phone.get_by_role("button", name="Preview").click()
    preview = phone.locator("#preview-result")
    expect(preview.locator("tr.outcome-created")).to_have_count(2)
    failed = preview.locator("#preview-line-4")
    expect(failed).to_contain_text("has errors")
    expect(failed).to_contain_text("ID number")
    assert Customer.objects.count() == 0  # the preview wrote nothing

    phone.get_by_role("button", name="Start import").click()
    report = phone.locator("#report")
    expect(report).to_have_attribute("data-status", "completed", timeout=15_000)
    expect(phone.locator("#count-created")).to_have_text("2")
    expect(phone.locator("#count-failed")).to_have_text("1")
    run = ImportRun.objects.get()
    assert (run.rows, run.created, run.failed) == (3, 2, 1)

    with phone.expect_download() as download:
        phone.locator("#error-file").click()
    saved = tmp_path / "errors.csv"
    download.value.save_as(saved)
    lines = saved.read_text(encoding="utf-8-sig").strip().splitlines()
    assert lines[0] == "row,column,field,value,code,reason"
    assert len(lines) == 2 and lines[1].startswith("4,身份证号,id_number,")
    # the page fits the phone: nothing wider than the screen
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
