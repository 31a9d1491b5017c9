"""Customer services one customer at a time: create, update, delete, restore, locking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.customers import services
from dossier.customers.models import Customer, CustomerLookup, CustomerShare
from dossier.customers.tests.service_helpers import ID_NUMBER, errors_of, id_number, new_customer
from dossier.templates.models import Template
from dossier.templates.services import archive_template

# ---- create ----------------------------------------------------------------------------------


def test_create_stores_normalised_values_owner_team_and_search_text(
    sales_user: User, member_template: Template
) -> None:
    customer = new_customer(
        sales_user,
        member_template,
        display_name="單雄信",
        phone="138 0013 8000",
        email="Shan@Example.COM",
        member_no="M000001",
        level="金卡",
        points="1,200",
    )
    customer.refresh_from_db()
    assert customer.display_name == "單雄信"
    assert customer.phone == "+8613800138000"
    assert customer.email == "Shan@example.com"
    assert customer.kind == "person" and customer.lifecycle == "lead"
    assert customer.attributes == {"member_no": "M000001", "level": "gold", "points": 1200}
    assert customer.owner == sales_user and customer.created_by == sales_user
    assert customer.team is not None and customer.team.name == "east"
    assert customer.template_version_id == member_template.current_version_id
    assert customer.version == 1
    assert "shanxiongxin" in customer.search_text and "单雄信" in customer.search_text


def test_create_reports_every_error_at_once_and_stores_nothing(
    sales_user: User, member_template: Template
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_customer(
            actor=sales_user,
            template=member_template,
            values={
                "phone": "010-65529988",
                "email": "not-an-email",
                "member_no": "X1",
                "id_number": "110105194912310021",
                "level": "platinum",
                "points": -5,
                "shoe": 42,
            },
        )
    assert errors_of(caught) == {
        ("display_name", "required"),
        ("phone", "not_mobile"),
        ("email", "invalid_email"),
        ("member_no", "pattern"),
        ("id_number", "id_card_checksum"),
        ("level", "invalid_choice"),
        ("points", "too_small"),
        ("shoe", "unknown_field"),
    }
    assert caught.value.status == 422
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.filter(object_type="customer").exists()


def test_id_card_derives_birthday_and_gender(sales_user: User, member_template: Template) -> None:
    customer = new_customer(sales_user, member_template, id_number="11010519491231002x")
    customer.refresh_from_db()
    assert customer.birthday == date(1949, 12, 31)
    assert customer.gender == "female"
    assert customer.protected == {"id_number": ID_NUMBER}


def test_id_card_mismatch_with_given_birthday_or_gender_is_an_error(
    sales_user: User, member_template: Template
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        new_customer(
            sales_user, member_template, id_number=ID_NUMBER, birthday="1950-01-01", gender="男"
        )
    assert errors_of(caught) == {("birthday", "id_card_mismatch"), ("gender", "id_card_mismatch")}
    assert not Customer.objects.exists()


def test_unique_values_checked_through_blind_index(
    sales_user: User, member_template: Template, admin_user: User
) -> None:
    first = new_customer(sales_user, member_template, member_no="M000001", id_number=ID_NUMBER)
    with pytest.raises(ValidationFailed) as caught:
        new_customer(
            sales_user, member_template, member_no="M000001", id_number="11010519491231002x"
        )
    assert errors_of(caught) == {("member_no", "not_unique"), ("id_number", "not_unique")}
    assert Customer.objects.count() == 1
    # the index holds digests, one per identifying or unique field (and a phone's last four)
    assert set(CustomerLookup.objects.filter(customer=first).values_list("field", flat=True)) == {
        "phone",
        "phone:last4",
        "id_number",
        "member_no",
    }
    # a deleted customer's values are free again; phone is not unique in this template
    services.delete_customer(actor=admin_user, customer_id=first.pk)
    new_customer(sales_user, member_template, member_no="M000001", id_number=ID_NUMBER)


def test_unique_is_per_template(
    sales_user: User, member_template: Template, admin_user: User
) -> None:
    new_customer(sales_user, member_template, id_number=ID_NUMBER)
    other = Template.objects.get(key="financial_client")
    assert other.current_version is not None
    specs = {s.key: s for s in other.current_version.specs()}
    assert specs["id_number"].unique
    values = {"display_name": "张三", "phone": "13800138000", "id_number": ID_NUMBER}
    for key, spec in specs.items():
        if spec.required and key not in values and spec.default is None:
            values[key] = spec.choices()[0]["value"] if spec.choices() else "x"
    # the same person on another template: a likely duplicate, saved when the caller says so
    customer = services.create_customer(
        actor=admin_user, template=other, values=values, allow_duplicate=True
    )
    assert customer.template == other


def test_create_needs_permission_and_a_live_template(
    make_user: Callable[..., User], member_template: Template, admin_user: User
) -> None:
    for role in (roles.MARKETING, roles.ANALYST):
        with pytest.raises(PermissionDenied):
            new_customer(make_user(role=role), member_template)
    archive_template(actor=admin_user, template=member_template)
    with pytest.raises(ValidationFailed) as caught:
        new_customer(admin_user, member_template)
    assert caught.value.code == "template_unavailable"
    assert errors_of(caught) == {("template", "invalid_choice")}
    assert not Customer.objects.exists()


def test_create_with_unknown_tag_stores_nothing(
    sales_user: User, member_template: Template
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_customer(
            actor=sales_user,
            template=member_template,
            values={"display_name": "张三", "phone": "13800138000"},
            tags=[999],
        )
    assert errors_of(caught) == {("tags", "invalid_choice")}


# ---- update and delete -----------------------------------------------------------------------


def test_update_changes_given_fields_keeps_others_and_bumps_version(
    sales_user: User, member_template: Template
) -> None:
    customer = new_customer(sales_user, member_template, member_no="M000001", points=5)
    updated = services.update_customer(
        actor=sales_user,
        customer_id=customer.pk,
        values={"points": 6, "email": "a@example.com"},
        expected_version=1,
    )
    updated.refresh_from_db()
    assert updated.version == 2
    assert updated.attributes["points"] == 6 and updated.attributes["member_no"] == "M000001"
    assert updated.email == "a@example.com" and updated.phone == "+8613800138000"


def test_update_may_clear_optional_but_not_required_fields(
    sales_user: User, member_template: Template
) -> None:
    customer = new_customer(sales_user, member_template, member_no="M000001")
    with pytest.raises(ValidationFailed) as caught:
        services.update_customer(
            actor=sales_user,
            customer_id=customer.pk,
            values={"phone": "", "member_no": None},
            expected_version=1,
        )
    assert errors_of(caught) == {("phone", "required")}
    customer = services.update_customer(
        actor=sales_user, customer_id=customer.pk, values={"member_no": None}, expected_version=1
    )
    assert "member_no" not in customer.attributes
    assert not CustomerLookup.objects.filter(customer=customer, field="member_no").exists()


def test_corrected_id_number_derives_birthday_and_gender_again(
    sales_user: User, member_template: Template
) -> None:
    customer = new_customer(sales_user, member_template, id_number=ID_NUMBER)
    corrected = id_number("11010519800101001")
    customer = services.update_customer(
        actor=sales_user,
        customer_id=customer.pk,
        values={"id_number": corrected},
        expected_version=1,
    )
    customer.refresh_from_db()
    assert customer.birthday == date(1980, 1, 1) and customer.gender == "male"
    assert customer.protected == {"id_number": corrected}


def test_update_unique_value_taken_by_another_customer(
    sales_user: User, member_template: Template
) -> None:
    new_customer(sales_user, member_template, member_no="M000001")
    second = new_customer(sales_user, member_template, member_no="M000002")
    with pytest.raises(ValidationFailed) as caught:
        services.update_customer(
            actor=sales_user,
            customer_id=second.pk,
            values={"member_no": "M000001"},
            expected_version=1,
        )
    assert errors_of(caught) == {("member_no", "not_unique")}
    # keeping its own value is not a clash
    services.update_customer(
        actor=sales_user, customer_id=second.pk, values={"points": 1}, expected_version=1
    )


def test_stale_version_is_a_conflict_and_changes_nothing(
    sales_user: User, member_template: Template, admin_user: User
) -> None:
    customer = new_customer(sales_user, member_template, points=1)
    services.update_customer(
        actor=sales_user, customer_id=customer.pk, values={"points": 2}, expected_version=1
    )
    events = AuditEvent.objects.count()
    with pytest.raises(Conflict) as caught:
        services.update_customer(
            actor=sales_user, customer_id=customer.pk, values={"points": 3}, expected_version=1
        )
    assert caught.value.code == "stale_version"
    assert caught.value.as_dict("en")["current_version"] == 2
    customer.refresh_from_db()
    assert customer.version == 2 and customer.attributes["points"] == 2
    assert AuditEvent.objects.count() == events
    with pytest.raises(Conflict):
        services.delete_customer(actor=admin_user, customer_id=customer.pk, expected_version=1)
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_invalid_update_changes_nothing(sales_user: User, member_template: Template) -> None:
    customer = new_customer(sales_user, member_template, points=1)
    with pytest.raises(ValidationFailed):
        services.update_customer(
            actor=sales_user,
            customer_id=customer.pk,
            values={"points": -1, "display_name": "李四"},
            expected_version=1,
        )
    customer.refresh_from_db()
    assert (customer.version, customer.display_name, customer.attributes["points"]) == (
        1,
        "张三",
        1,
    )


def test_delete_hides_customer_and_admin_restores(
    sales_user: User, member_template: Template, admin_user: User
) -> None:
    customer = new_customer(sales_user, member_template)
    with pytest.raises(NotFound):  # a user with no role is not even told it exists
        services.delete_customer(actor=roleless(), customer_id=customer.pk)
    services.delete_customer(actor=admin_user, customer_id=customer.pk, expected_version=1)
    customer.refresh_from_db()
    assert customer.deleted_at is not None and customer.version == 2
    with pytest.raises(NotFound):
        services.update_customer(
            actor=sales_user, customer_id=customer.pk, values={}, expected_version=None
        )
    with pytest.raises(PermissionDenied):
        services.restore_customer(actor=sales_user, customer_id=customer.pk)
    services.restore_customer(actor=admin_user, customer_id=customer.pk)
    customer.refresh_from_db()
    assert customer.deleted_at is None and customer.version == 3
    assert [e.action for e in AuditEvent.objects.filter(customer_id=customer.pk)] == [
        "restore",
        "delete",
        "create",
    ]


def roleless() -> User:
    """A user who was given no role."""
    return User.objects.create_user(username="nobody", password="x" * 12)


def test_restore_refuses_when_a_unique_value_was_taken_meanwhile(
    sales_user: User, member_template: Template, admin_user: User
) -> None:
    first = new_customer(sales_user, member_template, member_no="M000001")
    services.delete_customer(actor=admin_user, customer_id=first.pk)
    new_customer(sales_user, member_template, member_no="M000001")
    with pytest.raises(ValidationFailed) as caught:
        services.restore_customer(actor=admin_user, customer_id=first.pk)
    assert errors_of(caught) == {("member_no", "not_unique")}
    first.refresh_from_db()
    assert first.deleted_at is not None


def test_sales_may_not_delete_own_customer(sales_user: User, member_template: Template) -> None:
    customer = new_customer(sales_user, member_template)
    with pytest.raises(PermissionDenied):
        services.delete_customer(actor=sales_user, customer_id=customer.pk)
    customer.refresh_from_db()
    assert customer.deleted_at is None


def test_stranger_may_not_update(
    sales_user: User, member_template: Template, make_user: Callable[..., User]
) -> None:
    customer = new_customer(sales_user, member_template)
    stranger = make_user("zhao", roles.SALES, team="west")
    with pytest.raises(NotFound):
        services.update_customer(
            actor=stranger, customer_id=customer.pk, values={"points": 1}, expected_version=1
        )
    services.share_customer(actor=sales_user, customer_id=customer.pk, user=stranger)
    assert CustomerShare.objects.filter(customer=customer, user=stranger).exists()
    services.update_customer(
        actor=stranger, customer_id=customer.pk, values={"points": 1}, expected_version=1
    )


def test_marketing_sees_shared_customer_but_may_not_change_it(
    sales_user: User, member_template: Template, make_user: Callable[..., User]
) -> None:
    customer = new_customer(sales_user, member_template)
    marketer = make_user("ma", roles.MARKETING)
    services.share_customer(actor=sales_user, customer_id=customer.pk, user=marketer)
    with pytest.raises(PermissionDenied):
        services.update_customer(
            actor=marketer, customer_id=customer.pk, values={"points": 1}, expected_version=1
        )


def test_assign_owner_moves_team(
    sales_user: User, member_template: Template, make_user: Callable[..., User], admin_user: User
) -> None:
    customer = new_customer(sales_user, member_template)
    west = make_user("zhou", roles.SALES, team="west")
    customer = services.assign_owner(
        actor=admin_user, customer_id=customer.pk, owner=west, expected_version=1
    )
    assert customer.owner == west and customer.team is not None and customer.team.name == "west"
    assert customer.version == 2
    event = AuditEvent.objects.filter(customer_id=customer.pk).first()
    assert event is not None
    assert event.changes == {"owner": {"before": "li.na", "after": "zhou"}}
