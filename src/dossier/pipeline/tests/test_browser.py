"""The kanban in a real browser: a card dragged to another column on a desktop, a stage picked
from the card's menu on a phone, a won stage asking for its reason.

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
from dossier.customers.services import create_customer
from dossier.pipeline.models import Opportunity, Stage
from dossier.pipeline.services import create_opportunity
from dossier.pipeline.stages import ensure_default_stages
from dossier.templates.selectors import get_template
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
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield chromium
        chromium.close()


@pytest.fixture
def deal(live_server: Any) -> Opportunity:
    ensure_roles()
    install_builtin_templates()
    ensure_default_stages()  # a transactional test empties the tables the migrations filled
    seller = create_user(username="wang.fang", password=PASSWORD, role=roles.SALES, team="east")
    customer = create_customer(
        actor=seller,
        template=get_template(key="b2b_account"),
        values={"kind": "company", "display_name": "华东建材", "company": "华东建材有限公司"},
    )
    return create_opportunity(
        actor=seller, customer_id=customer.pk, title="年度采购合同", amount="128000"
    )


def open_board(browser: Browser, url: str, width: int) -> Page:
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", "wang.fang")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{url}/pipeline/?scenario=b2b_account")
    return page


def stage(key: str) -> Stage:
    return Stage.objects.get(scenario="b2b_account", key=key)


def test_a_card_dragged_to_another_column_moves(
    browser: Browser, live_server: Any, deal: Opportunity
) -> None:
    page = open_board(browser, live_server.url, 1280)
    card = page.locator(f"#opportunity-{deal.pk}")
    proposal = page.locator(f"section[data-stage='{stage('proposal').pk}']")
    card.drag_to(proposal)
    expect(proposal.locator(f"#opportunity-{deal.pk}.just-moved")).to_be_visible()
    assert Opportunity.objects.get(pk=deal.pk).stage.key == "proposal"

    # dropped on "won": the board asks why, and moves it once the reason is given
    won = page.locator(f"section[data-stage='{stage('won').pk}']")
    page.locator(f"#opportunity-{deal.pk}").drag_to(won)
    expect(page.locator("#id_reason")).to_be_visible()
    assert Opportunity.objects.get(pk=deal.pk).stage.key == "proposal"
    page.fill("#id_reason", "交期与价格都满足要求")
    page.locator(".reason-form button").click()
    expect(won.locator(f"#opportunity-{deal.pk}")).to_be_visible()
    assert Opportunity.objects.get(pk=deal.pk).won_reason == "交期与价格都满足要求"
    page.screenshot(path="/tmp/dossier-pipeline-desktop.png", full_page=True)


def test_on_a_phone_the_board_is_a_list_and_the_stage_menu_moves_the_card(
    browser: Browser, live_server: Any, deal: Opportunity
) -> None:
    page = open_board(browser, live_server.url, 390)
    columns = page.locator("section.column")
    first, second = columns.nth(0).bounding_box(), columns.nth(1).bounding_box()
    assert first is not None and second is not None
    assert second["y"] > first["y"] and abs(second["x"] - first["x"]) < 2  # stacked: a list
    page.select_option(f"#stage-of-{deal.pk}", str(stage("negotiation").pk))
    negotiation = page.locator(f"section[data-stage='{stage('negotiation').pk}']")
    expect(negotiation.locator(f"#opportunity-{deal.pk}")).to_be_visible()
    assert Opportunity.objects.get(pk=deal.pk).stage.key == "negotiation"
    page.screenshot(path="/tmp/dossier-pipeline-phone.png", full_page=True)
