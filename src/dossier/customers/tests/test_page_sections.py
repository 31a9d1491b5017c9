"""The customer's page: sections registered by other apps, and contact links on whole values."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from dossier.core.fields import FieldSpec
from dossier.customers import sections
from dossier.customers.sections import Section, register_section, unregister_section
from dossier.customers.services import share_customer
from dossier.customers.templatetags.customer_pages import contact_href, contact_links, sms_href
from dossier.customers.tests.api_helpers import Team

pytestmark = pytest.mark.django_db

PARTS = {
    "parts/part.html": '<section class="part" data-key="{{ key }}">{{ text }}</section>',
}


@pytest.fixture
def part_templates(settings: Any) -> None:
    engine = dict(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "loaders": [
            ("django.template.loaders.locmem.Loader", PARTS),
            "django.template.loaders.app_directories.Loader",
        ],
    }
    settings.TEMPLATES = [engine]


@pytest.fixture
def only_test_sections(part_templates: None) -> Iterator[None]:
    """The registered sections put aside: each test registers its own."""
    before = dict(sections._SECTIONS)
    sections._SECTIONS.clear()
    yield
    sections._SECTIONS.clear()
    sections._SECTIONS.update(before)


def _part(key: str, region: Any, order: int, shown: bool = True) -> Section:
    def context(request: Any, customer: Any) -> dict[str, Any] | None:
        if not shown:
            return None
        return {"key": key, "text": f"{key} of {customer.display_name} for {request.user}"}

    return Section(key=key, template="parts/part.html", context=context, region=region, order=order)


def _page(client_user: Any, customer: Any) -> str:
    client = Client()
    client.force_login(client_user)
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_registered_sections_are_drawn_by_region_and_order_around_the_profile(
    team: Team, only_test_sections: None
) -> None:
    register_section(_part("later", "main", 20))
    register_section(_part("first", "main", 10))
    register_section(_part("figures", "top", 50))
    register_section(_part("after", "side", 1))
    register_section(_part("hidden", "main", 5, shown=False))
    html = _page(team.owner, team.customer)
    keys = [html.index(f'data-key="{key}"') for key in ("figures", "first", "later")]
    assert keys == sorted(keys) and keys[-1] < html.index('id="profile"')
    assert html.index('id="profile"') < html.index('data-key="after"')
    assert 'data-key="hidden"' not in html
    assert "first of 張三 for li.na" in html
    assert 'class="customer-360 has-main"' in html


def test_without_main_sections_the_profile_takes_the_whole_width(
    team: Team, only_test_sections: None
) -> None:
    register_section(_part("figures", "top", 1))
    unregister_section("nothing-by-that-name")
    html = _page(team.owner, team.customer)
    assert 'class="customer-360"' in html and 'data-key="figures"' in html


def test_an_unknown_region_is_refused(only_test_sections: None) -> None:
    with pytest.raises(ValueError, match="region"):
        register_section(_part("odd", "footer", 1))


def test_whole_phone_and_email_are_tap_to_call_and_mailto_links(team: Team) -> None:
    html = _page(team.owner, team.customer)
    assert html.count('href="tel:+8613800138000"') == 2  # the value, and the Call button
    assert html.count('href="mailto:zhang.san@example.com"') == 2
    assert 'id="contact_phone"' in html and 'id="contact_email"' in html


def test_a_whole_mobile_number_gets_an_sms_link_and_button_in_the_action_bar(team: Team) -> None:
    html = _page(team.owner, team.customer)
    assert html.count('href="sms:+8613800138000"') == 2  # next to the value, and the SMS button
    assert 'id="contact_phone_sms"' in html and 'id="sms_phone"' in html
    bar = html[html.index('class="action-bar"') :]
    bar = bar[: bar.index("</div>")]
    assert 'href="tel:+8613800138000"' in bar and 'href="sms:+8613800138000"' in bar
    assert 'href="mailto:zhang.san@example.com"' in bar
    assert f"/customers/{team.customer.pk}/edit/" in bar


def test_masked_phone_and_email_are_never_links(team: Team) -> None:
    share_customer(actor=team.admin, customer_id=team.customer.pk, user=team.marketer)
    html = _page(team.marketer, team.customer)
    assert "138****8000" in html
    assert "tel:" not in html and "mailto:" not in html and "sms:" not in html
    assert "13800138000" not in html and "zhang.san@example.com" not in html
    assert 'id="contact_phone"' not in html


@pytest.mark.parametrize(
    ("type_name", "value", "href"),
    [
        ("phone", "+8613800138000", "tel:+8613800138000"),
        ("phone", "+86 10 6552 9988", "tel:+861065529988"),
        ("phone", "", ""),
        ("email", "a.b+c@example.com", "mailto:a.b+c@example.com"),
        ("email", 'x"><script>@example.com', "mailto:x%22%3E%3Cscript%3E@example.com"),
        ("email", "not an address", ""),
        ("text", "+8613800138000", ""),
    ],
)
def test_contact_href(type_name: str, value: str, href: str) -> None:
    assert contact_href(type_name, value) == href


@pytest.mark.parametrize(
    ("value", "href"),
    [
        ("+8613800138000", "sms:+8613800138000"),
        ("13800138000", "sms:+8613800138000"),
        ("+861065529988", ""),  # a Beijing landline takes no text messages
        ("138****8000", ""),  # a masked value is no number
        ("", ""),
        ("sms:+8613800138000?body=hi", ""),
    ],
)
def test_sms_href_only_for_whole_mobile_numbers(value: str, href: str) -> None:
    assert sms_href(value) == href


def test_contact_buttons_only_for_values_the_viewer_sees_whole() -> None:
    specs = [FieldSpec(key="phone", type="phone"), FieldSpec(key="email", type="email")]
    whole = {"values": {"phone": "+8613800138000", "email": "a@example.com"}, "masked": set()}
    masked = {
        "values": {"phone": "138****8000", "email": "a***@example.com"},
        "masked": {"phone", "email"},
    }
    hrefs = [link["href"] for link in contact_links(specs, whole)]
    assert hrefs == ["tel:+8613800138000", "sms:+8613800138000", "mailto:a@example.com"]
    assert contact_links(specs, masked) == []
    landline = {"values": {"phone": "+861065529988"}, "masked": set()}
    assert [link["href"] for link in contact_links(specs, landline)] == ["tel:+861065529988"]
