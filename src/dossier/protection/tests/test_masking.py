"""Masking rules, and what each kind of actor sees of a customer's values."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from dossier.core.fields import FieldSpec, mask_value
from dossier.core.fields.masking import (
    MASKED_OTHER,
    mask_email,
    mask_id_number,
    mask_phone,
    mask_text,
)
from dossier.protection.disclosure import mask_values


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("+8613800138000", "138****8000"),
        ("+861065529988", "+********9988"),
        ("+85261234567", "+*******4567"),
        ("65529988", "****9988"),
        ("1234", "****"),
    ],
)
def test_mask_phone(value: str, masked: str) -> None:
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("zhang.san@example.com", "z***@example.com"),
        ("王@例子.中国", "王***@例子.中国"),
        ("not-an-email", "n********"),
    ],
)
def test_mask_email(value: str, masked: str) -> None:
    assert mask_email(value) == masked


def test_mask_id_number_hides_birth_date() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert "19491231" not in mask_id_number("11010519491231002X")
    assert mask_id_number("91110000600037341L") == "911100********341L"
    assert mask_id_number("12345") == "*****"


def test_mask_text_keeps_first_character_only() -> None:
    assert mask_text("北京市朝阳区建国路88号") == "北********"
    assert mask_text("张") == "张**"
    assert mask_text("") == ""


@pytest.mark.parametrize(
    ("field_type", "value", "masked"),
    [
        ("phone", "+8613800138000", "138****8000"),
        ("cn_id_card", "11010519491231002X", "110105********002X"),
        ("address", "上海市浦东新区", "上******"),
        ("date", "1949-12-31", MASKED_OTHER),
        ("integer", 42, MASKED_OTHER),
        ("multi_choice", ["a"], MASKED_OTHER),
        ("phone", None, None),
        ("text", "", ""),
        ("multi_choice", [], []),
    ],
)
def test_mask_value_by_type(field_type: str, value: Any, masked: Any) -> None:
    assert mask_value(field_type, value) == masked


SPECS = [
    FieldSpec("display_name", "text"),
    FieldSpec("phone", "phone", classification="personal"),
    FieldSpec("birthday", "date", classification="personal"),
    FieldSpec("id_number", "cn_id_card", classification="sensitive"),
    FieldSpec("email", "email", classification="personal"),
]
VALUES = {
    "display_name": "张三",
    "phone": "+8613800138000",
    "birthday": "1949-12-31",
    "id_number": "11010519491231002X",
    "email": None,
}


def actor(*permissions: str, authenticated: bool = True) -> Any:
    return SimpleNamespace(
        is_authenticated=authenticated, has_perm=lambda perm: perm in permissions
    )


def test_actor_with_personal_permission_sees_personal_but_not_sensitive() -> None:
    shown, masked = mask_values(VALUES, SPECS, actor("customers.view_personal_customer"))
    assert shown["phone"] == "+8613800138000"
    assert shown["birthday"] == "1949-12-31"
    assert shown["id_number"] == "110105********002X"
    assert masked == ["id_number"]


def test_actor_without_personal_permission_sees_personal_masked() -> None:
    shown, masked = mask_values(VALUES, SPECS, actor("customers.view_customer"))
    assert shown == {
        "display_name": "张三",
        "phone": "138****8000",
        "birthday": MASKED_OTHER,
        "id_number": "110105********002X",
        "email": None,
    }
    assert masked == ["phone", "birthday", "id_number"]


def test_anonymous_sees_everything_personal_masked() -> None:
    shown, _masked = mask_values(
        VALUES, SPECS, actor("customers.view_personal_customer", authenticated=False)
    )
    assert shown["phone"] == "138****8000"
    shown, _masked = mask_values(VALUES, SPECS, None)
    assert shown["phone"] == "138****8000"


def test_revealed_sensitive_value_shows_whole() -> None:
    shown, masked = mask_values(
        VALUES, SPECS, actor("customers.view_personal_customer"), revealed=["id_number"]
    )
    assert shown["id_number"] == "11010519491231002X"
    assert masked == []
