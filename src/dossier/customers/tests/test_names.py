"""Names for search: surname readings, traditional characters, initials."""

from __future__ import annotations

import pytest
from pypinyin import lazy_pinyin

from dossier.customers.names import name_pinyin, normalise_query, search_terms, simplified


@pytest.mark.parametrize(
    ("name", "syllables"),
    [
        ("单雄信", ["shan", "xiong", "xin"]),
        ("曾国藩", ["zeng", "guo", "fan"]),
        ("欧阳修", ["ou", "yang", "xiu"]),
        ("区志强", ["ou", "zhi", "qiang"]),
        ("尉迟恭", ["yu", "chi", "gong"]),
        ("万俟卨", ["mo", "qi", "xie"]),
        ("长孙无忌", ["zhang", "sun", "wu", "ji"]),
        ("张三", ["zhang", "san"]),
    ],
)
def test_surnames_read_as_surnames(name: str, syllables: list[str]) -> None:
    assert name_pinyin(name) == syllables


def test_surname_reading_differs_from_the_common_one() -> None:
    # the test would be empty if pypinyin already read these as surnames
    assert lazy_pinyin("单")[0] != "shan"
    assert lazy_pinyin("区")[0] != "ou"


def test_surname_reading_only_for_the_first_character() -> None:
    assert name_pinyin("简单") == ["jian", "dan"]


def test_search_terms_hold_name_pinyin_and_initials() -> None:
    assert search_terms("张三") == "张三 zhangsan zs"
    assert search_terms("单雄信") == "单雄信 shanxiongxin sxx"
    assert search_terms("欧阳修") == "欧阳修 ouyangxiu oyx"


def test_traditional_name_is_stored_simplified() -> None:
    assert simplified("單雄信") == "单雄信"
    assert search_terms("單雄信") == search_terms("单雄信")
    assert search_terms("張三") == "张三 zhangsan zs"
    assert search_terms("歐陽修") == "欧阳修 ouyangxiu oyx"


def test_full_width_and_case_folded() -> None:
    assert simplified("ＺＨＡＮＧ") == "zhang"
    assert normalise_query(" 張三 ") == "张三"
    assert normalise_query("ZhangSan") == "zhangsan"


def test_latin_names_have_no_initials() -> None:
    assert search_terms("Tom Smith") == "tom smith tomsmith"


def test_company_names_read_without_surname_rules_and_extra_appended() -> None:
    assert search_terms("单位食堂", person=False).split()[1] == "danweishitang"
    assert search_terms("张三", extra="華為技術") == "张三 zhangsan zs 华为技术"


def test_spaces_inside_names_do_not_break_pinyin() -> None:
    assert search_terms("李 四").split()[-2:] == ["lisi", "ls"]
