"""Name readings from the caches and the prepared split agree with the general path."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypinyin import lazy_pinyin

from dossier.core.fields import FieldSpec, fast, validate_values
from dossier.customers import names
from dossier.customers.names import SURNAME_READINGS, search_terms
from dossier.customers.values import split_values
from dossier.templates.core_fields import merge_specs

AGREEMENT = settings(max_examples=300, deadline=None)
# common name characters, characters that start pypinyin words (建国, 长江, 重庆 …), surnames
# read differently as surnames, traditional forms, and other scripts
NAME_CHARACTERS = "伟芳娜秀英敏静丽强磊军洋建国长江重庆银行乐曾单區歐陽張萬俟〇𠀀aZ1 ·-"
name_texts = st.text(alphabet=NAME_CHARACTERS, max_size=6) | st.sampled_from(
    [*SURNAME_READINGS, "王建国", "单于长", "重阳", "乐乐", "Tom Smith", "李\n", ""]
)


@contextmanager
def fast_paths(on: bool) -> Iterator[None]:
    before = fast.ENABLED
    fast.ENABLED = on
    names.forget_readings()
    try:
        yield
    finally:
        fast.ENABLED = before


@AGREEMENT
@given(st.text(alphabet=NAME_CHARACTERS, max_size=6))
@example("建国")  # a word: read as one, not character by character
@example("重庆")
def test_readings_from_character_cache_equal_pypinyin(text: str) -> None:
    with fast_paths(True):
        assert names._reading(text) == lazy_pinyin(text)
        assert names._reading(text) == lazy_pinyin(text)  # again, from the cache


@AGREEMENT
@given(name_texts, st.booleans(), st.sampled_from(["", "银行", "長江公司"]))
def test_search_terms_agree_with_and_without_caches(name: str, person: bool, extra: str) -> None:
    with fast_paths(False):
        full = search_terms(name, person=person, extra=extra)
    with fast_paths(True):
        assert search_terms(name, person=person, extra=extra) == full
        assert search_terms(name, person=person, extra=extra) == full


def test_surname_reading_survives_the_caches() -> None:
    with fast_paths(True):
        assert search_terms("单雄信") == "单雄信 shanxiongxin sxx"
        assert search_terms("单") == "单 shan s"


SPECS = merge_specs(
    [
        FieldSpec("phone", "phone", required=True),
        FieldSpec("id_number", "cn_id_card", classification="sensitive", unique=True),
        FieldSpec("member_no", "text", unique=True),
        FieldSpec("points", "integer"),
        FieldSpec("spent", "money"),
        FieldSpec("vip", "boolean", default=False),
        FieldSpec("joined", "date"),
        FieldSpec("note", "long_text", classification="personal"),
    ]
)
values = st.fixed_dictionaries(
    {"display_name": name_texts.filter(lambda n: n.strip() != "")},
    optional={
        "phone": st.sampled_from(["13800138000", "+852 9123 4567", "010-65529988"]),
        "email": st.sampled_from(["a@Example.com", "zhang.san@qq.com"]),
        "id_number": st.sampled_from(["11010519491231002X", "110105194912310021"]),
        "member_no": st.text(alphabet="M0123", min_size=1, max_size=5),
        "points": st.integers(0, 99),
        "spent": st.sampled_from(["¥1,234.5", "0"]),
        "vip": st.booleans(),
        "joined": st.dates(min_value=date(2000, 1, 1), max_value=date(2020, 1, 1)),
        "note": st.text(max_size=5),
        "company": st.sampled_from(["", "长江公司"]),
        "kind": st.sampled_from(["person", "company"]),
    },
)


def _split(row: dict[str, Any], on: bool) -> Any:
    with fast_paths(on):
        result = validate_values(row, SPECS)
        if not result.ok:
            return [e.code for e in result.errors]
        stored = split_values(result.clean, SPECS)
    return stored.columns, stored.attributes, stored.protected, stored.lookup_rows()


@AGREEMENT
@given(values)
def test_prepared_split_agrees_with_the_general_path(row: dict[str, Any]) -> None:
    assert _split(row, True) == _split(row, False)
