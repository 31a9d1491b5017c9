"""Customer and tag pages through the Django test client (HTML, htmx partials, both languages)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dossier.accounts import roles
from dossier.customers.models import Customer, Tag
from dossier.customers.services import create_customer, create_customers, create_tag
from dossier.templates.models import Template
from dossier.templates.selectors import get_template

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"
VALID_PHONE = "13800138000"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_customer(user: User, template: Template, **values: Any) -> Customer:
    return create_customer(
        actor=user,
        template=template,
        values={"display_name": "张三", "phone": VALID_PHONE, **values},
    )


def text_of(response: Any) -> str:
    return response.content.decode()


def field_block(html: str, key: str) -> str:
    """The markup of the form field (div.field) that holds the input ``id_<key>``."""
    for block in html.split('<div class="field')[1:]:
        if f'id="id_{key}"' in block:
            return block
    raise AssertionError(f"no field {key} on the page")


# --- list -------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_log_in(db: Any) -> None:
    response = Client().get(reverse("customers:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_site_root_is_the_customer_list(sales_user: User, member_template: Template) -> None:
    add_customer(sales_user, member_template)
    response = client_for(sales_user).get("/")
    assert response.status_code == 200
    assert "张三" in text_of(response)
    assert response.context["nav"] == "customers"


def test_list_search_by_pinyin_finds_own_customers_only(
    sales_user: User, make_user: Callable[..., User], member_template: Template
) -> None:
    mine = add_customer(sales_user, member_template)
    add_customer(sales_user, member_template, display_name="李四", phone="13900139000")
    colleague = make_user("zhou.qi", roles.SALES, team="east")
    add_customer(colleague, member_template, display_name="张三丰", phone="13700137000")

    response = client_for(sales_user).get(reverse("customers:list"), {"q": "zhangsan"})

    html = text_of(response)
    assert [item["id"] for item in response.context["items"]] == [str(mine.pk)]
    assert reverse("customers:detail", args=[mine.pk]) in html
    assert "李四" not in html and "张三丰" not in html


def test_list_filters_by_tag_lifecycle_and_template(
    admin_user: User, member_template: Template
) -> None:
    vip = create_tag(actor=admin_user, name="VIP", colour="#aa0000")
    tagged = create_customer(
        actor=admin_user,
        template=member_template,
        values={"display_name": "王五", "phone": VALID_PHONE, "lifecycle": "active"},
        tags=[vip.pk],
    )
    add_customer(admin_user, member_template, display_name="赵六", phone="13900139000")
    client = client_for(admin_user)

    by_tag = client.get(reverse("customers:list"), {"tag": str(vip.pk)})
    by_status = client.get(reverse("customers:list"), {"status": "active"})
    by_template = client.get(reverse("customers:list"), {"template": "retail_member"})

    assert [i["id"] for i in by_tag.context["items"]] == [str(tagged.pk)]
    assert [i["id"] for i in by_status.context["items"]] == [str(tagged.pk)]
    assert by_template.context["items"] == []
    # the row shows the tag in its colour and the lifecycle's label, not its code
    row = text_of(by_tag)
    assert 'style="background: #aa0000">VIP</span>' in row
    assert ">Active<" in row


def test_list_owner_me_hides_customers_of_others(
    admin_user: User, sales_user: User, member_template: Template
) -> None:
    add_customer(sales_user, member_template)
    own = add_customer(admin_user, member_template, display_name="王五", phone="13900139000")
    response = client_for(admin_user).get(reverse("customers:list"), {"owner": "me"})
    assert [i["id"] for i in response.context["items"]] == [str(own.pk)]


def test_htmx_request_returns_only_the_results_partial(
    sales_user: User, member_template: Template
) -> None:
    add_customer(sales_user, member_template)
    client = client_for(sales_user)

    partial = client.get(reverse("customers:list"), {"q": "zs"}, headers={"HX-Request": "true"})
    full = client.get(reverse("customers:list"), {"q": "zs"})

    assert "<html" not in text_of(partial) and 'id="id_q"' not in text_of(partial)
    assert "<table" in text_of(partial) and "张三" in text_of(partial)
    assert "<html" in text_of(full) and 'hx-trigger="input changed delay:300ms, search"' in text_of(
        full
    )
    assert "HX-Request" in partial["Vary"]


def test_list_masks_phone_for_users_without_personal_access(
    admin_user: User, make_user: Callable[..., User], member_template: Template
) -> None:
    customer = add_customer(admin_user, member_template)
    marketer = make_user("ma.li", roles.MARKETING)
    from dossier.customers.services import share_customer

    share_customer(actor=admin_user, customer_id=customer.pk, user=marketer)
    html = text_of(client_for(marketer).get(reverse("customers:list")))
    assert '<span class="masked">138****8000</span>' in html
    assert VALID_PHONE not in html


def test_list_pages_with_a_cursor(admin_user: User, member_template: Template) -> None:
    rows = [{"display_name": f"客户{n}", "phone": VALID_PHONE} for n in range(51)]
    assert (
        len(create_customers(actor=admin_user, template=member_template, rows=rows).created) == 51
    )
    client = client_for(admin_user)

    first = client.get(reverse("customers:list"))
    cursor = first.context["next_cursor"]
    second = client.get(reverse("customers:list"), {"cursor": cursor})

    assert len(first.context["items"]) == 50 and cursor
    assert f"cursor={cursor}" in text_of(first) and "Next page" in text_of(first)
    assert len(second.context["items"]) == 1
    assert second.context["items"][0]["id"] not in {i["id"] for i in first.context["items"]}
    assert "First page" in text_of(second) and second.context["next_cursor"] is None
    # a mangled cursor falls back to the first page rather than failing
    assert len(client.get(reverse("customers:list"), {"cursor": "nope"}).context["items"]) == 50


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
    # a boolean is a yes/no select with an empty choice; defaults are filled in
    marketing = field_block(html, "marketing_opt_in")
    assert '<option value="">—</option>' in marketing
    assert '<option value="false" selected>No</option>' in marketing
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
    assert 'value="上海"' in field_block(html, "city")  # and the current data
    customer.refresh_from_db()
    assert customer.city == "上海" and customer.version == 2


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
    assert response.status_code == 404
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


# --- languages and layout -------------------------------------------------------------------


def test_pages_speak_english_and_chinese(sales_user: User) -> None:
    client = client_for(sales_user)
    english = text_of(client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="en"))
    chinese = text_of(client.get(reverse("customers:list"), HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "<h1>Customers</h1>" in english
    assert "<h1>客户</h1>" in chinese and "生命周期" in chinese

    form = text_of(
        client.get(
            reverse("customers:create", args=["retail_member"]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        )
    )
    assert '<label for="id_phone" class="required">手机号</label>' in form
    assert "会员凭手机号识别和登录" in form and "联系方式" in form


def test_validation_messages_follow_the_language(
    sales_user: User, member_template: Template
) -> None:
    response = client_for(sales_user).post(
        reverse("customers:create", args=["member"]),
        {"display_name": "张三", "phone": "12345"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "不是有效的电话号码" in field_block(text_of(response), "phone")


def test_pages_carry_the_viewport_meta_tag(sales_user: User, member_template: Template) -> None:
    customer = add_customer(sales_user, member_template)
    client = client_for(sales_user)
    for url in (
        reverse("customers:list"),
        reverse("customers:new"),
        reverse("customers:create", args=["retail_member"]),
        reverse("customers:detail", args=[customer.pk]),
        reverse("customers:edit", args=[customer.pk]),
        reverse("customers:tags"),
    ):
        html = text_of(client.get(url))
        assert re.search(
            r'<meta name="viewport" content="width=device-width, initial-scale=1">', html
        ), url


def test_unknown_template_is_not_found(sales_user: User) -> None:
    assert client_for(sales_user).get("/customers/new/no_such_template/").status_code == 404
    assert get_template(key="retail_member").current_version_id is not None
