"""Header mapping suggestions."""

from __future__ import annotations

import pytest

from dossier.transfer.reading.mapping import normalise_header, plan_mapping, suggest_mapping

CORE = [
    "display_name",
    "phone",
    "email",
    "birthday",
    "id_number",
    "gender",
    "province",
    "city",
    "district",
    "address",
    "company",
    "member_no",
]


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("手机", "phone"),
        ("手机号", "phone"),
        ("手机号码", "phone"),
        ("联系电话", "phone"),
        ("电话", "phone"),
        ("Mobile", "phone"),
        ("PHONE", "phone"),
        ("姓名", "display_name"),
        ("客户名称", "display_name"),
        ("客户姓名", "display_name"),
        ("名称", "display_name"),
        ("Name", "display_name"),
        ("生日", "birthday"),
        ("出生日期", "birthday"),
        ("birthday", "birthday"),
        ("身份证", "id_number"),
        ("身份证号", "id_number"),
        ("证件号码", "id_number"),
        ("邮箱", "email"),
        ("电子邮件", "email"),
        ("E-mail", "email"),
        ("性别", "gender"),
        ("省份", "province"),
        ("城市", "city"),
        ("区县", "district"),
        ("地址", "address"),
        ("公司", "company"),
        ("会员号", "member_no"),
        ("会员编号", "member_no"),
    ],
)
def test_common_headers_map_to_their_field(header: str, key: str) -> None:
    assert suggest_mapping([header], CORE) == {header: key}


@pytest.mark.parametrize(
    "header",
    [
        "手机号码（必填）",
        " 手机 号码 ",
        "手机号码*",
        "【手机号码】",
        "ＭＯＢＩＬＥ",
        "Mobile Phone",
        "mobile_phone",
    ],
)
def test_case_width_spaces_punctuation_and_notes_do_not_matter(header: str) -> None:
    assert suggest_mapping([header], CORE)[header] == "phone"


def test_unknown_headers_and_absent_fields_map_to_none() -> None:
    # 电话 is a phone synonym, but this template has no phone field
    assert suggest_mapping(["备用", "电话", ""], ["display_name"]) == {
        "备用": None,
        "电话": None,
        "": None,
    }


def test_two_headers_never_map_to_one_field_and_the_second_is_reported() -> None:
    plan = plan_mapping(["姓名", "手机", "联系电话"], CORE)
    assert plan.by_column == ["display_name", "phone", None]
    assert plan.conflicts == [(3, "联系电话", "phone", 2)]


def test_an_exact_key_or_label_beats_an_earlier_synonym() -> None:
    plan = plan_mapping(["电话", "phone"], CORE)
    assert plan.by_column == [None, "phone"]
    assert plan.conflicts == [(1, "电话", "phone", 2)]
    labelled = plan_mapping(
        ["电话", "VIP 卡号"], ["phone", "vip_card"], labels={"vip_card": ["VIP卡号", "VIP card"]}
    )
    assert labelled.by_column == ["phone", "vip_card"]


def test_a_template_label_can_claim_a_field_before_a_synonym() -> None:
    plan = plan_mapping(["手机", "移动号码"], ["phone"], labels={"phone": ["移动号码"]})
    assert plan.by_column == [None, "phone"]


def test_duplicated_headers_map_by_column() -> None:
    plan = plan_mapping(["手机", "手机"], CORE)
    assert plan.by_column == ["phone", None]
    assert plan.as_dict(["手机", "手机"]) == {"手机": "phone"}


def test_normalise_header_folds_width_and_drops_punctuation() -> None:
    assert normalise_header("Ｅ－ｍａｉｌ　地址（选填）") == "email地址"
    assert normalise_header("（备注）") == "备注"  # all-bracket header keeps its words
