"""Customer form pages: create, detail, edit, delete, and their messages in both languages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_tag, update_customer
from dossier.customers.tests.page_helpers import (
    VALID_ID,
    VALID_PHONE,
    add_customer,
    client_for,
    field_block,
    text_of,
)
from dossier.customers.tests.service_helpers import id_number
from dossier.templates.models import Template
from dossier.templates.selectors import get_template

pytestmark = pytest.mark.django_db


# --- create -----------------------------------------------------------------------------


def test_template_picker_links_to_each_published_template(sales_user: User) -> None:
    html = text_of(client_for(sales_user).get(reverse("customers:new")))
    assert reverse("customers:create", args=["retail_member"]) in html
    assert reverse("customers:create", args=["real_estate_buyer"]) in html


def test_create_page_shows_required_marks_help_and_inputs(sales_user: User) -> None:
    response = client_for(sales_user).get(reverse("customers:create", args=["retail_member"]))
    html = text_of(response)
    assert '<label for="id_display_name" class="required">Name</label>' in html
    assert '<label for="id_phone" class="required">Mobile number</label>' in html
    assert '<label for="id_wechat_id">WeChat ID</label>' in html
    assert "Members are identified by their mobile number" in html
    assert 'id="id_phone" name="phone" type="tel"' in html
    assert 'id="id_birthday" name="birthday" type="date"' in html
    # consent to marketing is the consent ledger's, never a template field
    assert "marketing_opt_in" not in html
    # a boolean is a yes/no select with an empty choice
    buyer = client_for(sales_user).get(reverse("customers:create", args=["real_estate_buyer"]))
    first_home = field_block(text_of(buyer), "first_home")
    assert '<option value="" selected>—</option>' in first_home  # no default: none chosen
    assert '<option value="false">No</option>' in first_home
    assert 'type="checkbox" id="id_favourite_categories_0"' in html
    assert 'value="0"' in field_block(html, "points_balance")


def test_create_with_invalid_phone_and_id_number_shows_both_errors_and_stores_nothing(
    sales_user: User, member_template: Template
) -> None:
    response = client_for(sales_user).post(
        reverse("customers:create", args=["member"]),
        {
            "kind": "person",
            "display_name": "欧阳娜娜",
            "phone": "1380013800",
            "id_number": VALID_ID[:-1] + "1",
        },
    )

    assert response.status_code == 422
    html = text_of(response)
    assert "is not a valid phone number" in field_block(html, "phone")
    assert "wrong check digit" in field_block(html, "id_number")
    assert 'role="alert" id="error-summary"' in html
    # what was typed is shown again
    assert 'value="1380013800"' in field_block(html, "phone")
    assert 'value="欧阳娜娜"' in field_block(html, "display_name")
    assert Customer.objects.count() == 0


def test_create_after_fixing_saves_and_redirects_to_the_customer(
    sales_user: User, member_template: Template
) -> None:
    client = client_for(sales_user)
    response = client.post(
        reverse("customers:create", args=["member"]),
        {
            "kind": "person",
            "display_name": "欧阳娜娜",
            "phone": "138 0013 8000",
            "id_number": VALID_ID,
        },
        follow=True,
    )

    customer = Customer.objects.get()
    assert response.redirect_chain[-1][0] == reverse("customers:detail", args=[customer.pk])
    assert customer.phone == "+8613800138000"
    assert customer.protected["id_number"] == VALID_ID
    assert customer.owner == sales_user
    assert customer.attributes["level"] == "normal"  # the template default
    html = text_of(response)
    assert "<h1>欧阳娜娜</h1>" in html and "saved" in html
    assert '<span class="masked">110105********002X</span>' in html


# --- detail -----------------------------------------------------------------------------


def test_detail_shows_labels_choice_labels_and_local_times(
    sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template, level="gold", id_number=VALID_ID)
    response = client_for(sales_user).get(reverse("customers:detail", args=[customer.pk]))
    html = text_of(response)
    assert "<dt>Level</dt>" in html and ">Gold<" in html
    assert "Member, version 1" in html
    local = customer.created_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai"))
    assert local.strftime("%Y-%m-%d %H:%M") in html
    assert reverse("customers:edit", args=[customer.pk]) in html
    # sales may not delete, so no delete button
    assert reverse("customers:delete", args=[customer.pk]) not in html


def test_detail_of_a_customer_of_another_sales_user_is_not_found(
    sales_user: User, make_user: Callable[..., User], member_template: Template
) -> None:
    other = add_customer(make_user("zhou.qi", roles.SALES), member_template)
    response = client_for(sales_user).get(reverse("customers:detail", args=[other.pk]))
    assert response.status_code == 404
    assert "张三" not in text_of(response)


# --- edit -------------------------------------------------------------------------------


def test_edit_saves_changes_and_tags(
    admin_user: User, sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template)
    vip = create_tag(actor=admin_user, name="VIP")
    client = client_for(sales_user)
    form = client.get(reverse("customers:edit", args=[customer.pk]))
    assert 'name="version" value="1"' in text_of(form)

    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "version": "1",
            "display_name": "张三",
            "phone": VALID_PHONE,
            "kind": "person",
            "city": "杭州",
            "tags_shown": "1",
            "tags": [str(vip.pk)],
        },
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.city == "杭州" and customer.version == 2
    assert list(customer.tags.values_list("name", flat=True)) == ["VIP"]


def test_edit_with_invalid_value_shows_the_error_and_changes_nothing(
    sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template)
    response = client_for(sales_user).post(
        reverse("customers:edit", args=[customer.pk]),
        {"version": "1", "display_name": "张三", "phone": VALID_PHONE, "points": "-5"},
    )
    assert response.status_code == 422
    assert "Points must be at least 0" in field_block(text_of(response), "points")
    customer.refresh_from_db()
    assert customer.version == 1 and "points" not in customer.attributes


def test_edit_with_a_stale_version_shows_the_conflict_and_changes_nothing(
    sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template)
    client = client_for(sales_user)
    client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"version": "1", "display_name": "张三", "phone": VALID_PHONE, "city": "上海"},
    )

    stale = client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"version": "1", "display_name": "张三", "phone": VALID_PHONE, "city": "北京"},
    )

    assert stale.status_code == 409
    html = text_of(stale)
    assert "Someone else changed this customer first" in html
    assert 'name="version" value="2"' in html  # the form now carries the current version
    # a form that does not say what it started from: the user's input is kept, and the
    # stored value it differs from is shown
    assert 'value="北京"' in field_block(html, "city")
    assert "上海" in html.split('id="change_city"')[1].split("</tr>")[0]
    customer.refresh_from_db()
    assert customer.city == "上海" and customer.version == 2


def _form_inputs(html: str) -> dict[str, str]:
    """The hidden inputs and text inputs of a form page, by name."""
    return dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html))


def test_edit_conflict_shows_what_changed_and_keeps_the_users_input_to_save_again(
    sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template, city="杭州", points="10")
    edit = reverse("customers:edit", args=[customer.pk])
    first_tab, second_tab = client_for(sales_user), client_for(sales_user)
    first = _form_inputs(text_of(first_tab.get(edit)))
    second = _form_inputs(text_of(second_tab.get(edit)))
    saved = first_tab.post(edit, {**first, "city": "上海"})
    assert saved.status_code == 302

    stale = second_tab.post(edit, {**second, "points": "20"})

    assert stale.status_code == 409
    html = text_of(stale)
    row = html.split('id="change_city"')[1].split("</tr>")[0]
    assert "上海" in row and "杭州" in row  # their value now, and the one the user started from
    assert 'id="change_points"' not in html  # only the other person's change is listed
    assert 'value="20"' in field_block(html, "points")  # the user's input is kept
    assert 'value="上海"' in field_block(html, "city")  # and the other person's change too
    customer.refresh_from_db()
    assert (customer.city, customer.attributes.get("points"), customer.version) == ("上海", 10, 2)

    again = second_tab.post(edit, _form_inputs(html))
    assert again.status_code == 302
    customer.refresh_from_db()
    assert (customer.city, customer.attributes.get("points"), customer.version) == ("上海", 20, 3)


def test_edit_conflict_on_the_same_field_keeps_the_users_value_and_shows_theirs(
    sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template, city="杭州")
    edit = reverse("customers:edit", args=[customer.pk])
    tab = client_for(sales_user)
    loaded = _form_inputs(text_of(tab.get(edit)))
    tab.post(edit, {**loaded, "city": "上海"})
    html = text_of(tab.post(edit, {**loaded, "city": "北京"}))
    row = html.split('id="change_city"')[1].split("</tr>")[0]
    assert "上海" in row and "杭州" in row and "北京" in row
    assert 'value="北京"' in field_block(html, "city")


def test_edit_conflict_masks_what_the_user_may_not_see(
    make_user: Callable[..., User], member_template: Template
) -> None:
    owner = make_user("li.na", roles.SALES, team="east")
    manager = make_user("wang", roles.MANAGER, team="east")
    customer = add_customer(owner, member_template, id_number=VALID_ID)
    edit = reverse("customers:edit", args=[customer.pk])
    tab = client_for(owner)
    loaded = _form_inputs(text_of(tab.get(edit)))
    other_id = id_number("11010119800101001")
    update_customer(
        actor=manager,
        customer_id=customer.pk,
        values={"id_number": other_id},
        expected_version=1,
    )
    html = text_of(tab.post(edit, {**loaded, "city": "北京"}))
    assert 'id="change_id_number"' in html
    assert other_id not in html and VALID_ID not in html


def test_edit_conflict_ignores_a_tampered_started_value(
    sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template, city="杭州")
    edit = reverse("customers:edit", args=[customer.pk])
    tab = client_for(sales_user)
    loaded = _form_inputs(text_of(tab.get(edit)))
    tab.post(edit, {**loaded, "city": "上海"})
    html = text_of(tab.post(edit, {**loaded, "started": "forged", "city": "北京"}))
    assert 'value="北京"' in field_block(html, "city")


def test_editing_does_not_overwrite_a_masked_sensitive_value(
    sales_user: User, member_template: Template
) -> None:
    customer = add_customer(sales_user, member_template, id_number=VALID_ID)
    client = client_for(sales_user)
    form = text_of(client.get(reverse("customers:edit", args=[customer.pk])))
    id_field = field_block(form, "id_number")
    assert 'placeholder="unchanged"' in id_field
    assert "110105" not in id_field and 'value=""' in id_field

    # the browser sends the empty masked input back with the other fields
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        {
            "version": "1",
            "display_name": "张三",
            "phone": VALID_PHONE,
            "id_number": "",
            "city": "杭州",
        },
    )

    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.protected["id_number"] == VALID_ID
    assert customer.city == "杭州"


def test_user_who_may_not_change_customers_gets_no_edit_form(
    admin_user: User, make_user: Callable[..., User], member_template: Template
) -> None:
    customer = add_customer(admin_user, member_template)
    marketer = make_user("ma.li", roles.MARKETING)
    from dossier.customers.services import share_customer

    share_customer(actor=admin_user, customer_id=customer.pk, user=marketer)
    client = client_for(marketer)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    response = client.post(
        reverse("customers:edit", args=[customer.pk]),
        {"version": "1", "display_name": "改名"},
    )
    assert response.status_code == 403  # visible but not changeable: one rule, customer_for
    customer.refresh_from_db()
    assert customer.display_name == "张三"


def test_date_time_fields_round_trip_in_the_users_time_zone(sales_user: User) -> None:
    client = client_for(sales_user)
    client.post(
        reverse("customers:create", args=["real_estate_buyer"]),
        {
            "kind": "person",
            "display_name": "欧阳娜娜",
            "phone": VALID_PHONE,
            "visit_date": "2024-05-01T14:30",
            "first_home": "true",
        },
    )
    customer = Customer.objects.get()
    assert customer.attributes["visit_date"] == "2024-05-01T06:30:00+00:00"  # 14:30 in Shanghai
    assert customer.attributes["first_home"] is True

    detail = text_of(client.get(reverse("customers:detail", args=[customer.pk])))
    form = text_of(client.get(reverse("customers:edit", args=[customer.pk])))
    assert "2024-05-01 14:30" in detail and ">Yes<" in detail
    assert 'value="2024-05-01T14:30"' in field_block(form, "visit_date")
    assert '<option value="true" selected>' in field_block(form, "first_home")


# --- delete -----------------------------------------------------------------------------


def test_delete_soft_deletes_the_customer(
    make_user: Callable[..., User], member_template: Template
) -> None:
    manager = make_user("chen.jing", roles.MANAGER, team="east")
    customer = add_customer(manager, member_template)
    client = client_for(manager)
    assert reverse("customers:delete", args=[customer.pk]) in text_of(
        client.get(reverse("customers:detail", args=[customer.pk]))
    )

    response = client.post(reverse("customers:delete", args=[customer.pk]), {"version": "1"})

    assert response.status_code == 302 and response["Location"] == reverse("customers:list")
    customer.refresh_from_db()
    assert customer.deleted_at is not None
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 404


def test_delete_with_a_stale_version_keeps_the_customer(
    make_user: Callable[..., User], member_template: Template
) -> None:
    manager = make_user("chen.jing", roles.MANAGER, team="east")
    customer = add_customer(manager, member_template)
    response = client_for(manager).post(
        reverse("customers:delete", args=[customer.pk]), {"version": "7"}, follow=True
    )
    assert "Someone else changed this customer first" in text_of(response)
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_delete_is_refused_for_sales(sales_user: User, member_template: Template) -> None:
    customer = add_customer(sales_user, member_template)
    response = client_for(sales_user).post(
        reverse("customers:delete", args=[customer.pk]), {"version": "1"}, follow=True
    )
    assert "You may not change this customer." in text_of(response)
    customer.refresh_from_db()
    assert customer.deleted_at is None


# --- languages --------------------------------------------------------------------------


def test_validation_messages_follow_the_language(
    sales_user: User, member_template: Template
) -> None:
    response = client_for(sales_user).post(
        reverse("customers:create", args=["member"]),
        {"display_name": "张三", "phone": "12345"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "不是有效的电话号码" in field_block(text_of(response), "phone")


def test_unknown_template_is_not_found(sales_user: User) -> None:
    assert client_for(sales_user).get("/customers/new/no_such_template/").status_code == 404
    assert get_template(key="retail_member").current_version_id is not None
