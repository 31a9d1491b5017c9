"""How values read on the pages: money, phones and tag colours."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dossier.core import roles
from dossier.customers import services
from dossier.customers.colours import (
    BLACK,
    DEFAULT_COLOUR,
    WHITE,
    contrast_ratio,
    text_colour,
)
from dossier.customers.templatetags.customer_pages import tag_style
from dossier.customers.tests.page_helpers import (
    VALID_PHONE,
    add_customer,
    client_for,
    field_block,
    text_of,
)
from dossier.site.demo_data.vocabulary import TAGS
from dossier.templates.models import Template
from dossier.templates.selectors import get_template

pytestmark = pytest.mark.django_db

#: every colour the application offers a tag: the demo palette and the default grey
PALETTE = sorted({colour for _name, _group, colour in TAGS} | {DEFAULT_COLOUR})
WCAG_AA = 4.5


@pytest.mark.parametrize("colour", PALETTE)
def test_tag_text_on_every_palette_colour_meets_wcag_aa(colour: str) -> None:
    assert contrast_ratio(colour, text_colour(colour)) >= WCAG_AA


def test_white_text_on_a_light_colour_would_fail_and_is_not_chosen() -> None:
    assert contrast_ratio("#f59e0b", WHITE) < 3  # the old white text on amber: 2.15:1
    assert text_colour("#f59e0b") == BLACK
    assert text_colour("#1d4ed8") == WHITE


def test_black_or_white_always_reads_whatever_colour_is_chosen() -> None:
    steps = range(0, 256, 17)
    for r in steps:
        for g in steps:
            for b in steps:
                colour = f"#{r:02x}{g:02x}{b:02x}"
                assert contrast_ratio(colour, text_colour(colour)) >= WCAG_AA, colour


def test_tag_style_never_passes_anything_but_a_colour_into_the_page() -> None:
    assert tag_style("#ffffff") == "background: #ffffff; color: #000000"
    assert (
        tag_style("red; background-image: url(x)")
        == f"background: {DEFAULT_COLOUR}; color: #ffffff"
    )


def test_pages_draw_light_tags_with_black_text(
    sales_user: User, member_template: Template, admin_user: User
) -> None:
    tag = services.create_tag(actor=admin_user, name="待回访", colour="#f59e0b")
    customer = add_customer(sales_user, member_template)
    services.set_customer_tags(actor=sales_user, customer_id=customer.pk, tag_ids=[tag.pk])
    client = client_for(sales_user)
    for url in (f"/customers/{customer.pk}/", "/customers/", "/tags/"):
        html = text_of(client.get(url))
        assert 'style="background: #f59e0b; color: #000000"' in html, url


def test_money_reads_with_yen_and_thousands_separators(
    make_user: Callable[..., User],
) -> None:
    seller = make_user("li.na", roles.SALES, team="east")
    customer = services.create_customer(
        actor=seller,
        template=get_template(key="retail_member"),
        values={"display_name": "张三", "phone": VALID_PHONE, "total_spent": "¥1,234,567.5"},
    )
    html = text_of(client_for(seller).get(f"/customers/{customer.pk}/"))
    assert "¥1,234,567.50" in html.split('id="value_total_spent"')[1].split("</dd>")[0]


def test_edit_form_shows_the_phone_as_the_detail_page_does(
    sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template)
    client = client_for(sales_user)
    detail = text_of(client.get(f"/customers/{customer.pk}/"))
    form = text_of(client.get(reverse("customers:edit", args=[customer.pk])))
    assert "138 0013 8000" in detail
    assert 'value="138 0013 8000"' in field_block(form, "phone")
    assert "+8613800138000" not in form
    # saving the form as shown keeps the number and is no change to it
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form))
    assert client.post(reverse("customers:edit", args=[customer.pk]), fields).status_code == 302
    customer.refresh_from_db()
    assert customer.phone == "+8613800138000"
