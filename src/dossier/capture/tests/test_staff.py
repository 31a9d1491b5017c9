"""Staff pages of capture forms: who may keep which form, and what a form may ask."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dossier.capture.models import CaptureForm
from dossier.capture.services import create_form
from dossier.conftest import PASSWORD
from dossier.core import roles
from dossier.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def _as(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=PASSWORD)
    return client


def _settings(**values: Any) -> dict[str, Any]:
    return {
        "slug": "counter",
        "title_zh": "门店登记",
        "fields": ["display_name", "phone"],
        "source": "store",
        "lifecycle": "lead",
        **values,
    }


def test_a_manager_creates_a_form_from_the_page(manager, owner, member_template):
    response = _as(manager).post(
        reverse("capture:new"),
        {"template": member_template.key, **_settings(), "owner": owner.get_username()},
    )
    assert response.status_code == 302
    form = CaptureForm.objects.get()
    assert (form.owner, form.created_by, form.fields) == (owner, manager, ["display_name", "phone"])
    assert form.team_id is not None


def test_the_editor_names_each_refused_setting(manager, member_template):
    response = _as(manager).post(
        reverse("capture:new"),
        {
            "template": member_template.key,
            **_settings(slug="Bad Slug!", title_zh="", fields=["display_name", "id_number"]),
            "consents": ["marketing"],
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    for key in ("slug", "title_zh", "fields", "phone", "consent_channel", "notice_version"):
        assert f'id="error_{key}"' in page, key
    assert not CaptureForm.objects.exists()


def test_a_sensitive_or_unknown_field_cannot_be_asked_publicly(manager, member_template):
    for fields in (["display_name", "phone", "id_number"], ["display_name", "phone", "nope"]):
        with pytest.raises(ValidationFailed):
            create_form(
                actor=manager,
                template=member_template,
                owner=None,
                values=_settings(fields=fields),
            )


def test_a_manager_cannot_give_the_forms_customers_to_another_team(
    manager, make_user, member_template
):
    stranger = make_user("west.sales", roles.SALES, team="west")
    with pytest.raises(PermissionDenied):
        create_form(actor=manager, template=member_template, owner=stranger, values=_settings())


def test_sales_may_not_keep_forms(owner, member_template):
    with pytest.raises(PermissionDenied):
        create_form(actor=owner, template=member_template, owner=None, values=_settings())
    assert _as(owner).get(reverse("capture:list")).status_code == 403


def test_another_teams_manager_cannot_see_or_change_our_form(form, west_manager):
    client = _as(west_manager)
    for name in ("capture:edit", "capture:qr"):
        assert client.get(reverse(name, args=[form.slug])).status_code == 404
    assert (
        client.post(reverse("capture:active", args=[form.slug]), {"active": "0"}).status_code == 404
    )
    response = client.post(reverse("capture:edit", args=[form.slug]), _settings(title_zh="改了"))
    assert response.status_code == 404
    form.refresh_from_db()
    assert form.active and form.title_zh == "春季展会登记"
    assert form.slug.encode() not in client.get(reverse("capture:list")).content


def test_admin_keeps_every_form_and_anonymous_users_log_in(form, admin_user):
    assert _as(admin_user).get(reverse("capture:edit", args=[form.slug])).status_code == 200
    response = Client().get(reverse("capture:edit", args=[form.slug]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert Client().get(reverse("capture:qr", args=[form.slug])).status_code == 302


def test_the_qr_code_is_an_svg_of_the_public_link(form, manager):
    response = _as(manager).get(reverse("capture:qr", args=[form.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert b"<svg" in response.content


def test_closing_a_form_from_its_page(form, manager):
    client = _as(manager)
    assert (
        client.post(reverse("capture:active", args=[form.slug]), {"active": "0"}).status_code == 302
    )
    form.refresh_from_db()
    assert not form.active
    assert Client().get(reverse("capture:public", args=[form.slug])).status_code == 404


def test_the_submissions_show_in_the_customer_profile(form, owner):
    Client().post(
        reverse("capture:public", args=[form.slug]),
        {"display_name": "张三", "phone": "13912340000"},
    )
    customer_id = form.submissions.get().customer_id
    page = _as(owner).get(reverse("customers:detail", args=[customer_id])).content.decode()
    assert "form:spring-fair" in page


def test_an_owner_who_cannot_create_customers_is_refused(manager, make_user, member_template):
    analyst = make_user("east.analyst", roles.ANALYST, team="east")
    with pytest.raises(ValidationFailed) as refused:
        create_form(actor=manager, template=member_template, owner=analyst, values=_settings())
    assert [e.field for e in refused.value.errors] == ["owner"]
