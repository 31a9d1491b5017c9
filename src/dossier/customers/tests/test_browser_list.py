"""The customer list and search in a real browser, on a desktop in English and on a phone in
Chinese: sort by name, filter by spend (htmx redraws the rows and the count), save a view that
opens the list, tag three ticked customers, change an owner, find a customer with "/".

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; `make test` installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect, sync_playwright

from dossier.accounts.services import create_user, ensure_roles
from dossier.activity.figures import add_to_figures
from dossier.core import roles
from dossier.customers.models import Customer, CustomerShare
from dossier.customers.services import create_customer
from dossier.customers.services.tags import create_tag
from dossier.templates.selectors import get_template
from dossier.templates.services import install_builtin_templates

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = "/usr/bin/chromium"
PASSWORD = "browser-test-pass"
# (name, phone, total spend); created in this order, so the default sort (newest first)
# differs from the name sort
PEOPLE = [
    ("王芳", "13900001111", 20),
    ("Alice", "13900002222", 5000),
    ("张三", "13900003333", 1200),
    ("安娜", "13900004444", 100),
    ("李四", "13900005555", 3000),
]
BY_PINYIN = ["Alice", "安娜", "李四", "王芳", "张三"]
BIG_SPENDERS = ["Alice", "李四", "张三"]  # total spend at least 1000, by name


@dataclass(frozen=True)
class Screen:
    """A browser size and language, and the words the pages use in it."""

    name: str
    width: int
    height: int
    locale: str
    count: str  # "{n}" customers on the list
    owns: str  # "{name}" now owns the customer

    def customers(self, n: int) -> str:
        return self.count.format(n=n)


DESKTOP = Screen("desktop-en", 1280, 800, "en-GB", "{n} customers", "{name} now owns")
PHONE = Screen("phone-zh", 390, 844, "zh-CN", "{n} 位客户", "{name} 现为该客户的负责人")
SCREENS = pytest.mark.parametrize("screen", [DESKTOP, PHONE], ids=lambda s: s.name)


@dataclass(frozen=True)
class Team:
    url: str
    manager: User  # east
    seller: User  # east, sales
    stranger: User  # west, sales
    rival: User  # west, manager
    customers: dict[str, Customer]  # by name, all the manager's


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
def team(live_server: Any) -> Team:
    ensure_roles()
    install_builtin_templates()
    manager = create_user(username="zhou.min", password=PASSWORD, role=roles.MANAGER, team="east")
    seller = create_user(username="li.na", password=PASSWORD, role=roles.SALES, team="east")
    stranger = create_user(username="zhao.lei", password=PASSWORD, role=roles.SALES, team="west")
    rival = create_user(username="qian.wei", password=PASSWORD, role=roles.MANAGER, team="west")
    template = get_template(key="retail_member")
    customers = {}
    for name, phone, spend in PEOPLE:
        customer = create_customer(
            actor=manager,
            template=template,
            values={"display_name": name, "phone": phone},
            allow_duplicate=True,
        )
        add_to_figures(customer_id=customer.pk, order_count=1, total_spend=Decimal(spend))
        customers[name] = customer
    # another team's customer, never on the east team's list
    create_customer(
        actor=stranger,
        template=template,
        values={"display_name": "艾伦", "phone": "13900009999"},
        allow_duplicate=True,
    )
    return Team(live_server.url, manager, seller, stranger, rival, customers)


def _signed_in(browser: Browser, url: str, username: str, screen: Screen) -> Page:
    context = browser.new_context(
        locale=screen.locale, viewport={"width": screen.width, "height": screen.height}
    )
    page = context.new_page()
    page.goto(f"{url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/home/")
    return page


def _names(page: Page) -> list[str]:
    return page.locator("#results table.list td.name a").all_inner_texts()


def _count(page: Page) -> Any:
    return page.locator("#results .list-count")


def _mark_page(page: Page) -> None:
    """Leave a mark in the window: a full reload would wipe it."""
    page.evaluate("window.__sameDocument = true")


def _same_page(page: Page) -> bool:
    return bool(page.evaluate("window.__sameDocument === true"))


_WIDER = """() => [...document.querySelectorAll('body *')]
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 8).map((el) => `${el.tagName}.${el.className}#${el.id}`)"""


def _fits(page: Page, screen: Screen) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wider = page.evaluate(_WIDER) if width > page.evaluate("window.innerWidth") else []
    assert not wider, f"{width}px wide on a {screen.width}px page: {wider}"


def _filter_big_spenders(page: Page) -> None:
    page.click("#customer-filters details.more-filters > summary")
    page.fill("#id_spend_min", "1000")
    page.press("#id_spend_min", "Tab")  # the change event: htmx redraws the results


@SCREENS
def test_the_name_header_sorts_by_pinyin_both_ways(
    browser: Browser, team: Team, screen: Screen
) -> None:
    page = _signed_in(browser, team.url, team.manager.username, screen)
    page.goto(f"{team.url}/customers/")
    expect(_count(page)).to_contain_text(screen.customers(5))
    assert _names(page) == [name for name, _phone, _spend in reversed(PEOPLE)]  # newest first
    _mark_page(page)
    if screen.width >= 700:  # a table's headers sort on a desktop
        header = page.locator("#results table.list thead th").filter(has=page.locator("a")).first
        header.locator("a").click()
        expect(header).to_have_attribute("aria-sort", "ascending")
    else:  # on a phone the list is cards: the sort menu above them
        page.select_option("#id_sort", "name")
    expect(page.locator("#results table.list td.name a").first).to_have_text(BY_PINYIN[0])
    assert _names(page) == BY_PINYIN
    # the results (and the phone's sort menu in them) were swapped in; htmx wires the new menu
    # when the swap settles, and pushes the address then: a change before that is lost
    page.wait_for_url("**sort=name**")
    if screen.width >= 700:
        page.locator("#results table.list thead th[aria-sort] a").click()
        expect(page.locator("#results table.list thead th[aria-sort]")).to_have_attribute(
            "aria-sort", "descending"
        )
    else:
        page.select_option("#id_sort", "-name")
        expect(page.locator("#results table.list td.name a").first).to_have_text(BY_PINYIN[-1])
    assert _names(page) == list(reversed(BY_PINYIN))
    assert _same_page(page)
    assert "sort=-name" in page.url  # the address follows, for the back button and links
    page.context.close()


@SCREENS
def test_a_spend_filter_redraws_rows_and_count_without_a_reload(
    browser: Browser, team: Team, screen: Screen
) -> None:
    page = _signed_in(browser, team.url, team.manager.username, screen)
    page.goto(f"{team.url}/customers/?sort=name")
    expect(_count(page)).to_contain_text(screen.customers(5))
    _mark_page(page)
    _filter_big_spenders(page)
    expect(_count(page)).to_contain_text(screen.customers(3))
    assert _names(page) == BIG_SPENDERS  # the sort kept
    assert _same_page(page)
    assert "spend_min=1000" in page.url
    page.fill("#id_spend_min", "3000")
    page.press("#id_spend_min", "Tab")
    expect(_count(page)).to_contain_text(screen.customers(2))
    assert _names(page) == ["Alice", "李四"]
    page.fill("#id_spend_min", "")
    page.press("#id_spend_min", "Tab")
    expect(_count(page)).to_contain_text(screen.customers(5))
    assert _names(page) == BY_PINYIN
    assert _same_page(page)
    page.context.close()


@SCREENS
def test_a_saved_default_view_opens_the_list_until_all_is_chosen(
    browser: Browser, team: Team, screen: Screen
) -> None:
    page = _signed_in(browser, team.url, team.manager.username, screen)
    page.goto(f"{team.url}/customers/?sort=name")
    _filter_big_spenders(page)
    expect(_count(page)).to_contain_text(screen.customers(3))
    save = page.locator("#savedviews-save-customers")
    save.locator("summary").first.click()
    save.locator("#savedview-name-customers").fill("大客户 big spenders")
    save.locator("input[name=default]").check()
    save.locator("form[action$='/save/'], form").first.locator("button[type=submit]").click()
    tabs = page.locator("#savedviews-tabs-customers a.chip")
    view_tab = tabs.filter(has_text="大客户 big spenders")
    expect(view_tab).to_have_count(1)
    expect(view_tab).to_have_attribute("aria-current", "page")
    assert _names(page) == BIG_SPENDERS

    page.goto(f"{team.url}/home/")
    page.goto(f"{team.url}/customers/")
    expect(_count(page)).to_contain_text(screen.customers(3))
    assert _names(page) == BIG_SPENDERS  # the default view's filters and sort
    expect(view_tab).to_have_attribute("aria-current", "page")

    tabs.first.click()  # "All"
    expect(_count(page)).to_contain_text(screen.customers(5))
    assert sorted(_names(page)) == sorted(BY_PINYIN)  # and not the west team's customer
    expect(tabs.first).to_have_attribute("aria-current", "page")
    expect(page.locator("#id_spend_min")).to_have_value("")
    # another user of the team does not get the manager's unshared default view
    other = _signed_in(browser, team.url, team.seller.username, screen)
    other.goto(f"{team.url}/customers/")
    expect(other.locator("#savedviews-tabs-customers")).not_to_contain_text("大客户")
    other.context.close()
    page.context.close()


@SCREENS
def test_three_ticked_customers_are_tagged(browser: Browser, team: Team, screen: Screen) -> None:
    tag = create_tag(actor=team.manager, name="回访")
    create_tag(actor=team.manager, name="VIP")
    page = _signed_in(browser, team.url, team.manager.username, screen)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{team.url}/customers/?sort=name")
    expect(_count(page)).to_contain_text(screen.customers(5))
    chosen = ["Alice", "李四", "张三"]
    for name in chosen:
        row = page.locator("#results table.list tbody tr").filter(has_text=name)
        row.locator("input[name=ids][form=bulk-form]").check()
    expect(page.locator("#bulk-form [data-bulk-count]")).to_have_text("3")
    if screen is DESKTOP:
        expect(page.locator("#bulk-form .bulk-count")).to_have_text("3 selected")
    page.select_option("#bulk-action", "add_tag")
    expect(page.locator("#bulk-tag")).to_be_visible()
    page.select_option("#bulk-tag", str(tag.pk))
    page.locator("#bulk-form button[type=submit]").click()
    page.wait_for_url("**/bulk/*/")
    expect(page.locator("#bulk-progress dd").first).to_have_text("3")  # done
    expect(page.locator("#bulk-progress dd").nth(1)).to_have_text("0")  # failed
    expect(page.locator("#bulk-progress progress")).to_have_attribute("value", "100")
    tagged = {c.display_name for c in Customer.objects.filter(tags=tag)}
    assert tagged == set(chosen)
    assert not Customer.objects.filter(tags__name="VIP").exists()
    page.context.close()


@SCREENS
def test_a_manager_gives_a_customer_to_a_teammate(
    browser: Browser, team: Team, screen: Screen
) -> None:
    customer = team.customers["王芳"]
    page = _signed_in(browser, team.url, team.manager.username, screen)
    page.goto(f"{team.url}/customers/{customer.pk}/")
    offered = page.locator("#id_new_owner option").evaluate_all("os => os.map(o => o.value)")
    assert "li.na" in offered
    assert "zhao.lei" not in offered and "qian.wei" not in offered  # the west team
    page.select_option("#id_new_owner", "li.na")
    page.locator("form[action$='/owner/'] button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text(screen.owns.format(name="li.na"))
    customer.refresh_from_db()
    assert customer.owner_id == team.seller.pk
    page.context.close()


def _forge(page: Page, url: str, field: str, value: str) -> None:
    """Post to the customer page's owner or share form as an attacker would: with a name the
    picker did not offer (the page's own CSRF token, so only the rule can refuse it)."""
    with page.expect_navigation():
        page.evaluate(
            """([url, field, value]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = url;
                const fields = {
                    csrfmiddlewaretoken:
                        document.querySelector("input[name=csrfmiddlewaretoken]").value,
                    [field]: value,
                };
                for (const [name, text] of Object.entries(fields)) {
                    const input = document.createElement("input");
                    input.type = "hidden";
                    input.name = name;
                    input.value = text;
                    form.appendChild(input);
                }
                document.body.appendChild(form);
                form.submit();
            }""",
            [url, field, value],
        )


@SCREENS
def test_a_sales_user_is_offered_only_their_team_and_cannot_give_the_customer_away(
    browser: Browser, team: Team, screen: Screen
) -> None:
    template = get_template(key="retail_member")
    customer = create_customer(
        actor=team.seller,
        template=template,
        values={"display_name": "孙丽", "phone": "13900006666"},
        allow_duplicate=True,
    )
    page = _signed_in(browser, team.url, team.seller.username, screen)
    page.goto(f"{team.url}/customers/{customer.pk}/")
    expect(page.locator("h1")).to_contain_text("孙丽")
    owners = page.locator("#id_new_owner option").evaluate_all("os => os.map(o => o.value)")
    sharers = page.locator("#id_share_with option").evaluate_all("os => os.map(o => o.value)")
    assert owners == []  # a sales user may hold customers, not hand them out
    assert sharers == ["zhou.min"]
    # posting another team's user anyway is refused, and the customer stays
    _forge(page, f"/bulk/customers/{customer.pk}/owner/", "owner", "zhao.lei")
    customer.refresh_from_db()
    assert customer.owner_id == team.seller.pk
    # not even to the manager of the team
    _forge(page, f"/bulk/customers/{customer.pk}/owner/", "owner", "zhou.min")
    customer.refresh_from_db()
    assert customer.owner_id == team.seller.pk
    page.context.close()


@SCREENS
def test_a_share_with_someone_who_could_not_see_the_customer_is_refused(
    browser: Browser, team: Team, screen: Screen
) -> None:
    # sharing may cross teams (a colleague elsewhere helps), but never with someone whose role
    # sees no customers: such a share would either do nothing or open a hole in the rule
    analyst = create_user(
        username=f"numbers-{screen.name}", password=PASSWORD, role=roles.ANALYST, team="east"
    )
    template = get_template(key="retail_member")
    customer = create_customer(
        actor=team.seller,
        template=template,
        values={"display_name": "孙丽", "phone": "13900006666"},
        allow_duplicate=True,
    )
    page = _signed_in(browser, team.url, team.seller.username, screen)
    page.goto(f"{team.url}/customers/{customer.pk}/")
    expect(page.locator("#id_share_with")).to_be_visible()
    _forge(page, f"/bulk/customers/{customer.pk}/share/", "user", analyst.username)
    assert not CustomerShare.objects.filter(customer=customer, user=analyst).exists()
    page.context.close()


@SCREENS
def test_slash_then_the_last_four_phone_digits_open_the_customer(
    browser: Browser, team: Team, screen: Screen
) -> None:
    wanted = team.customers["李四"]
    page = _signed_in(browser, team.url, team.manager.username, screen)
    page.goto(f"{team.url}/customers/")
    page.locator("h1").click()  # focus not in an input
    page.keyboard.press("/")
    expect(page.locator("#global-search-q")).to_be_focused()
    page.keyboard.type("5555")
    results = page.locator("#global-search-popup a[data-result]")
    expect(results.first).to_contain_text("李四")
    expect(page.locator("#global-search-popup")).not_to_contain_text("张三")
    page.keyboard.press("ArrowDown")
    expect(results.first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/customers/{wanted.pk}/")
    expect(page.locator("h1")).to_contain_text("李四")
    # another team's customer is not found by its digits
    page.goto(f"{team.url}/customers/")
    page.locator("h1").click()
    page.keyboard.press("/")
    page.keyboard.type("9999")
    expect(page.locator("#global-search-popup [role=status]")).to_be_visible()
    expect(page.locator("#global-search-popup")).not_to_contain_text("艾伦")
    _fits(page, screen)  # the open results stay on the screen
    page.context.close()


@SCREENS
def test_the_list_page_fits_the_screen(browser: Browser, team: Team, screen: Screen) -> None:
    create_tag(actor=team.manager, name="回访")
    page = _signed_in(browser, team.url, team.manager.username, screen)
    page.goto(f"{team.url}/customers/")
    expect(_count(page)).to_contain_text(screen.customers(5))
    _fits(page, screen)
    # with every part opened: more filters, the save form, a ticked row and the bar's choices
    page.click("#customer-filters details.more-filters > summary")
    page.locator("#savedviews-save-customers summary").first.click()
    page.locator("#results input[name=ids]").first.check()
    page.select_option("#bulk-action", "add_tag")
    _fits(page, screen)
    # no template source shows as text (a Django comment spans one line only)
    expect(page.locator("body")).not_to_contain_text("{#")
    expect(page.locator("body")).not_to_contain_text("{%")
    page.context.close()
