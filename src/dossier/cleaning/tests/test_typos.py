"""Typing slips: full-width characters, stray spaces, short region names."""

from __future__ import annotations

import pytest

from dossier.cleaning.typos import (
    FULL_WIDTH,
    REGION_NAME,
    STRAY_SPACES,
    Fix,
    fix_address,
    fix_city,
    fix_contact,
    fix_province,
    fix_text,
)


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        ("１３８００１３８０００", ("13800138000", FULL_WIDTH)),
        ("138 0013 8000", ("13800138000", STRAY_SPACES)),
        ("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", ("zhang@example.com", FULL_WIDTH)),
        ("zhang @example.com ", ("zhang@example.com", STRAY_SPACES)),
        ("+8613800138000", None),
        ("zhang@example.com", None),
    ],
)
def test_contact_values_become_half_width_without_spaces(value: str, fixed: Fix) -> None:
    assert fix_contact(value) == fixed


@pytest.mark.parametrize(
    ("value", "fixed"),
    [
        (" 张三 ", ("张三", STRAY_SPACES)),
        ("张\u3000三", ("张三", STRAY_SPACES)),
        ("ACME  Trading   Ltd", ("ACME Trading Ltd", STRAY_SPACES)),
        ("深圳市 腾讯 计算机系统有限公司", ("深圳市腾讯计算机系统有限公司", STRAY_SPACES)),
        ("ACME Trading Ltd", None),
        # full-width brackets are how Chinese company names are written: left alone
        ("华为技术有限公司（深圳）", None),
    ],
)
def test_text_loses_stray_spaces_only(value: str, fixed: Fix) -> None:
    assert fix_text(value) == fixed


def test_address_digits_become_half_width() -> None:
    assert fix_address("科技园路１号 Ａ座") == ("科技园路1号A座", FULL_WIDTH)
    assert fix_address("科技园路1号") is None


def test_region_names_take_the_tables_form() -> None:
    assert fix_province("广东") == ("广东省", REGION_NAME)
    assert fix_province("广西") == ("广西壮族自治区", REGION_NAME)
    assert fix_province("广东省") is None
    assert fix_province("不存在省份") is None  # unknown: nothing guessed
    assert fix_city("深圳", "广东省") == ("深圳市", REGION_NAME)
    assert fix_city("上海", "上海") == ("上海市", REGION_NAME)
    assert fix_city("深圳市", "广东省") is None
