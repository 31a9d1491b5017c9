"""The tags page: create, rename, delete, errors on their row, and who may change tags."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dossier.core import roles
from dossier.customers.models import Tag
from dossier.customers.services import create_customer, create_tag
from dossier.customers.tests.page_helpers import add_customer, client_for, field_block, text_of
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db


# --- tags -------------------------------------------------------------------------------


def test_tags_create_duplicate_rename_and_delete(
    make_user: Callable[..., User], member_template: Template
) -> None:
    manager = make_user("chen.jing", roles.MANAGER, team="east")
    client = client_for(manager)

    created = client.post(
        reverse("customers:tags"), {"name": "VIP", "group": "等级", "colour": "#ff8800"}
    )
    assert created.status_code == 302
    tag = Tag.objects.get(name="VIP")
    add_customer(manager, member_template)
    create_customer(
        actor=manager,
        template=member_template,
        values={"display_name": "李四", "phone": "13900139000"},
        tags=[tag.pk],
    )

    duplicate = client.post(
        reverse("customers:tags"), {"name": "VIP", "group": "等级", "colour": "#000000"}
    )
    assert duplicate.status_code == 409
    assert "This tag already exists." in field_block(text_of(duplicate), "name")
    assert Tag.objects.count() == 1

    empty = client.post(reverse("customers:tags"), {"name": " ", "group": "", "colour": "red"})
    assert empty.status_code == 422
    assert "Name is required." in text_of(empty) and "Colour does not match" in text_of(empty)

    page = text_of(client.get(reverse("customers:tags")))
    assert "<h2>等级</h2>" in page and f'href="/customers/?tag={tag.pk}">1</a>' in page

    renamed = client.post(
        reverse("customers:tag_update", args=[tag.pk]),
        {"name": "SVIP", "group": "等级", "colour": "#123456"},
    )
    assert renamed.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.colour) == ("SVIP", "#123456")

    deleted = client.post(reverse("customers:tag_delete", args=[tag.pk]))
    assert deleted.status_code == 302 and not Tag.objects.exists()


def test_tag_rename_error_is_shown_on_its_row(admin_user: User) -> None:
    vip = create_tag(actor=admin_user, name="VIP")
    create_tag(actor=admin_user, name="老客户")
    response = client_for(admin_user).post(
        reverse("customers:tag_update", args=[vip.pk]),
        {"name": "老客户", "group": "", "colour": "#123456"},
    )
    assert response.status_code == 409
    html = text_of(response)
    row = html[html.index(f'id="tag-{vip.pk}"') :]
    assert "<details open>" in row[:2000] and "This tag already exists." in row[:4000]
    vip.refresh_from_db()
    assert vip.name == "VIP"


def test_sales_sees_tags_but_cannot_change_them(sales_user: User, admin_user: User) -> None:
    create_tag(actor=admin_user, name="VIP")
    client = client_for(sales_user)
    page = text_of(client.get(reverse("customers:tags")))
    assert "VIP" in page
    assert 'action="/tags/"' not in page and "tag_delete" not in page and "/delete/" not in page

    refused = client.post(
        reverse("customers:tags"), {"name": "Hack", "group": "", "colour": "#000000"}
    )
    assert refused.status_code == 403
    assert not Tag.objects.filter(name="Hack").exists()


def test_tags_page_is_forbidden_without_tag_access(make_user: Callable[..., User]) -> None:
    analyst = make_user("an.ya", roles.ANALYST)
    response = client_for(analyst).get(reverse("customers:tags"))
    assert response.status_code == 403
    assert "You may not see tags." in text_of(response)
