"""The pure matching engine: each rule's explanation, vetoes, and properties. No database."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.matching.engine import (
    Match,
    Person,
    clusters,
    compare,
    find_matches,
    match_against,
    prepare,
)


def _pair(a: dict[str, str], b: dict[str, str]) -> Match:
    return compare(prepare(Person(id="a", **a)), prepare(Person(id="b", **b)))


def _texts(match: Match, language: str = "en") -> list[str]:
    return [r.text(language) for r in match.reasons]


def test_same_phone_and_name_is_a_duplicate_explained_as_phone_equal() -> None:
    match = _pair(
        {"name": "张伟", "phone": "138 0013 8000"}, {"name": "张伟", "phone": "+86 13800138000"}
    )
    assert match.decision == "duplicate"
    assert match.rule == "same_phone_compatible_name"
    assert "phone equal" in _texts(match)
    assert "电话相同" in _texts(match, "zh-hans")


def test_full_width_and_0086_phone_digits_are_the_same_phone() -> None:
    match = _pair(
        {"name": "李娜", "phone": "１３８００１３８０００"},
        {"name": "李娜", "phone": "0086 138-0013-8000"},
    )
    assert match.rule == "same_phone_compatible_name"


def test_name_in_pinyin_is_explained_via_pinyin() -> None:
    match = _pair(
        {"name": "张伟", "phone": "13800138000"}, {"name": "Zhang Wei", "phone": "13800138000"}
    )
    name = next(r for r in match.reasons if r.field == "name")
    assert name.outcome == "similar"
    assert name.detail["via"] == "pinyin"
    assert name.text() == "name 张伟 ≈ Zhang Wei via pinyin 1.00"
    assert name.text("zh-Hans") == "姓名 张伟 ≈ Zhang Wei（拼音 1.00）"
    assert match.decision == "duplicate"


def test_reversed_pinyin_order_still_matches() -> None:
    match = _pair(
        {"name": "Wei Zhang", "email": "zw@example.com"},
        {"name": "张伟", "email": "zw@example.com"},
    )
    assert match.rule == "same_email"
    name = next(r for r in match.reasons if r.field == "name")
    assert name.detail["via"] == "pinyin"
    assert name.weight > 0


def test_traditional_characters_are_simplified_before_comparing() -> None:
    match = _pair(
        {"name": "張偉", "birthday": "1990年3月7日", "city": "北京"},
        {"name": "张 伟", "birthday": "1990-03-07", "city": "北京市"},
    )
    name = next(r for r in match.reasons if r.field == "name")
    assert name.detail["via"] == "traditional"
    assert next(r for r in match.reasons if r.field == "birthday").outcome == "equal"
    assert next(r for r in match.reasons if r.field == "city").outcome == "equal"


def test_homophone_name_is_similar_via_pinyin_but_not_enough_alone() -> None:
    match = _pair({"name": "张伟"}, {"name": "张卫"})
    name = next(r for r in match.reasons if r.field == "name")
    assert name.outcome == "similar"
    assert name.detail["via"] == "pinyin"
    assert match.decision != "duplicate"


def test_different_birthdays_veto_a_merge() -> None:
    match = _pair(
        {"name": "王芳", "birthday": "1980-01-02", "city": "上海"},
        {"name": "王芳", "birthday": "1995-11-20", "city": "上海"},
    )
    assert match.decision == "distinct"
    assert "birthday differs → not merged" in _texts(match)
    assert "生日不同 → 不合并" in _texts(match, "zh")


def test_household_sharing_phone_and_address_is_not_one_person() -> None:
    shared = {"phone": "13912345678", "address": "朝阳区建国路88号3单元502室", "city": "北京"}
    match = _pair({"name": "刘强", **shared}, {"name": "陈静", **shared})
    assert match.decision == "distinct"
    assert match.rule is None
    veto = next(r for r in match.reasons if r.outcome == "veto")
    assert veto.field == "household"
    assert "phone" in veto.text()


def test_twins_with_same_birthday_are_not_one_person() -> None:
    shared = {"phone": "13912345678", "birthday": "2001-05-05", "address": "人民路1号"}
    match = _pair({"name": "赵明", **shared}, {"name": "赵亮", **shared})
    assert match.decision == "distinct"
    assert any(r.field == "household" and r.outcome == "veto" for r in match.reasons)


def test_namesakes_with_other_phones_and_cities_are_not_merged() -> None:
    match = _pair(
        {"name": "李伟", "phone": "13800000001", "city": "北京"},
        {"name": "李伟", "phone": "13900000002", "city": "广州"},
    )
    assert match.decision == "distinct"
    assert any(r.field == "namesake" and r.outcome == "veto" for r in match.reasons)


def test_same_id_number_rule_fires_despite_a_missing_phone() -> None:
    number = "11010519491231002X"
    match = _pair(
        {"name": "周杰", "id_number": number}, {"name": "Zhou Jie", "id_number": number.lower()}
    )
    assert match.rule == "same_id_number"
    assert match.decision == "duplicate"
    assert any(r.text() == "same ID number → duplicate" for r in match.reasons)


def test_same_email_rule() -> None:
    match = _pair(
        {"name": "孙丽", "email": "SunLi@Example.com"},
        {"name": "孙丽", "email": "sunli@example.com"},
    )
    assert match.rule == "same_email"
    assert match.score >= 0.99


def test_different_names_with_a_shared_email_are_not_merged_by_the_rule() -> None:
    match = _pair(
        {"name": "孙丽", "email": "home@example.com"}, {"name": "马超", "email": "home@example.com"}
    )
    assert match.rule is None
    assert match.decision == "distinct"


def test_find_matches_and_clusters_on_a_small_set() -> None:
    people = [
        Person(id="1", name="张伟", phone="13800138000", birthday="1990-03-07"),
        Person(id="2", name="Zhang Wei", phone="+86 138 0013 8000"),
        Person(id="3", name="張偉", birthday="1990年3月7日", email="zw@example.com"),
        Person(id="4", name="李娜", phone="13700000000"),
        Person(id="5", name="王芳", email="wf@example.com"),
    ]
    prepared = [prepare(p) for p in people]
    matches = find_matches(prepared)
    duplicates = [m for m in matches if m.decision == "duplicate"]
    assert {(m.a, m.b) for m in duplicates} >= {("1", "2")}
    assert ["1", "2"] in [g[:2] for g in clusters(duplicates)]
    assert all(m.a < m.b for m in matches)


def test_match_against_finds_the_existing_record() -> None:
    new = prepare(Person(id="new", name="陈静", phone="13512345678"))
    existing = [
        prepare(Person(id="x", name="陈静", phone="135 1234 5678")),
        prepare(Person(id="y", name="刘洋", phone="13699999999")),
    ]
    found = match_against(new, existing)
    assert [m.b if m.a == "new" else m.a for m in found] == ["x"]


def test_company_legal_forms_are_stripped() -> None:
    a = prepare(Person(id="a", kind="company", company="北京星辰科技有限公司"))
    b = prepare(Person(id="b", kind="company", company="北京星辰科技"))
    assert a.surname == b.surname


_NAMES = st.sampled_from(
    ["张伟", "張偉", "Zhang Wei", "Wei Zhang", "李娜", "zhangwei", "", "王 芳"]
)
_PHONES = st.sampled_from(["", "13800138000", "+86 138 0013 8000", "13912345678"])
_DAYS = st.sampled_from(["", "1990-03-07", "1990年3月7日", "1991-07-03", "19900307"])


@settings(max_examples=60, deadline=None)
@given(_NAMES, _NAMES, _PHONES, _PHONES, _DAYS, _DAYS)
def test_compare_is_symmetric(n1: str, n2: str, p1: str, p2: str, d1: str, d2: str) -> None:
    a = prepare(Person(id="a", name=n1, phone=p1, birthday=d1))
    b = prepare(Person(id="b", name=n2, phone=p2, birthday=d2))
    ab, ba = compare(a, b), compare(b, a)
    assert (ab.a, ab.b, ab.decision, ab.rule) == (ba.a, ba.b, ba.decision, ba.rule)
    assert abs(ab.score - ba.score) < 1e-9


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=15))
def test_clusters_partition_the_matched_ids(edges: list[tuple[int, int]]) -> None:
    matches = [Match(str(min(a, b)), str(max(a, b)), 1.0, "duplicate", None, ()) for a, b in edges]
    groups = clusters(matches)
    ids = [x for g in groups for x in g]
    assert len(ids) == len(set(ids))
    assert set(ids) == {x for m in matches for x in (m.a, m.b)}
    for m in matches:
        assert any(m.a in g and m.b in g for g in groups)
    assert all(g == sorted(g) for g in groups)
