"""The matching engine on its own: each rule's explanation, vetoes, Chinese names, the CLI."""

from __future__ import annotations

import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.matching.engine import (
    Person,
    clusters,
    default_model,
    find_matches,
    match_against,
    prepare,
    score_pair,
)
from dossier.matching.engine.pairs import main as pairs_main


def pair(a: Person, b: Person):  # type: ignore[no-untyped-def]
    return score_pair(prepare(a), prepare(b), default_model(), 0.9)


def texts(match, language: str = "en") -> list[str]:  # type: ignore[no-untyped-def]
    return [r.text(language) for r in match.reasons]


def test_same_phone_and_a_pinyin_name_in_either_order_is_a_duplicate() -> None:
    match = pair(
        Person("1", "张伟", phone="138 0013 8000"),
        Person("2", "Wei Zhang", phone="+86 13800138000"),
    )
    assert match.decision == "duplicate"
    assert match.rule == "same_phone_compatible_name"
    assert "phone equal" in texts(match)
    assert "name 张伟 ≈ Wei Zhang via pinyin" in texts(match)
    assert "电话相同" in texts(match, "zh-hans")


def test_traditional_characters_and_spaces_read_as_the_same_name() -> None:
    match = pair(
        Person("1", "張 偉", phone="13800138000"), Person("2", "张伟", phone="13800138000")
    )
    assert match.decision == "duplicate"
    assert "name 張 偉 ≈ 张伟 via simplified characters" in texts(match)


def test_surname_readings_make_shan_and_dan_different() -> None:
    assert prepare(Person("1", "单雄信")).syllables[0] == "shan"
    assert prepare(Person("1", "曾国藩")).syllables[0] == "zeng"


def test_the_same_id_number_rule_and_its_explanation() -> None:
    match = pair(
        Person("1", "李娜", id_number="11010519491231002X"),
        Person("2", "李 娜", id_number="11010519491231002x", phone="13900000001"),
    )
    assert match.rule == "same_id_number"
    assert texts(match)[0] == "rule: same ID number"


def test_the_same_email_rule() -> None:
    match = pair(
        Person("1", "王芳", email="Wang.Fang@Example.com"),
        Person("2", "王芳", email="wang.fang@example.com"),
    )
    assert match.rule == "same_email"
    assert "rule: same e-mail" in texts(match)


def test_a_different_birthday_vetoes_a_namesake() -> None:
    match = pair(
        Person("1", "张伟", birthday="1990年3月7日", city="上海"),
        Person("2", "张伟", birthday="1985-11-02", city="上海"),
    )
    assert match.decision == "distinct"
    assert "birthday differs → not merged" in texts(match)
    assert "生日不同 → 不合并" in texts(match, "zh")


def test_a_household_sharing_a_phone_and_address_is_not_one_person() -> None:
    home = {"phone": "13800138000", "address": "上海市浦东新区世纪大道100号"}
    match = pair(Person("1", "张伟", **home), Person("2", "张敏", **home))
    assert match.decision == "distinct"
    assert match.rule is None
    assert any("household" in line for line in texts(match))


def test_twins_with_one_birthday_and_home_are_not_merged() -> None:
    home = {
        "phone": "13800138000",
        "address": "北京市海淀区中关村大街1号",
        "birthday": "2001-05-04",
    }
    match = pair(Person("1", "王大伟", **home), Person("2", "王小伟", **home))
    assert match.decision == "distinct"


def test_chinese_dates_full_width_digits_and_0086_are_normalised() -> None:
    record = prepare(
        Person("1", "李雷", phone="００８６ １３８-００１３-８０００", birthday="1990年3月7日")
    )
    assert record.phone == "13800138000"
    assert record.birthday == "1990-03-07"


def test_company_legal_forms_are_dropped() -> None:
    a = prepare(Person("1", "华东建材", company="华东建材有限公司", kind="company"))
    b = prepare(Person("2", "华东建材", company="华东建材股份有限公司", kind="company"))
    assert a.company == b.company == "华东建材"


def test_an_entry_check_finds_the_candidate_and_skips_others() -> None:
    new = prepare(Person("new", "張偉", phone="13800138000"))
    existing = [prepare(Person("1", "张伟", phone="13800138000")), prepare(Person("2", "李娜"))]
    found = {m.b if m.a == "new" else m.a: m.decision for m in match_against(new, existing)}
    assert found == {"1": "duplicate", "2": "distinct"}


def test_clusters_group_duplicates_and_keep_weak_links_apart() -> None:
    people = [
        Person("1", "张伟", phone="13800138000"),
        Person("2", "Zhang Wei", phone="13800138000"),
        Person("3", "張偉", phone="+8613800138000"),
        Person("4", "李娜", email="li@example.com"),
        Person("5", "李娜", email="li@example.com"),
        Person("6", "赵敏"),
    ]
    groups = clusters(find_matches([prepare(p) for p in people]))
    assert ["1", "2", "3"] in groups
    assert ["4", "5"] in groups
    assert all("6" not in g for g in groups)


names = st.sampled_from(["张伟", "張偉", "Zhang Wei", "Wei Zhang", "李娜", "王芳", "", "zhangwei"])
phones = st.sampled_from(["", "13800138000", "+86 138 0013 8000", "13900000000"])
days = st.sampled_from(["", "1990-03-07", "1990年3月7日", "1985-01-01"])


@settings(max_examples=150, deadline=None)
@given(names, phones, days, names, phones, days)
def test_comparing_is_symmetric(n1: str, p1: str, d1: str, n2: str, p2: str, d2: str) -> None:
    a, b = Person("a", n1, phone=p1, birthday=d1), Person("b", n2, phone=p2, birthday=d2)
    one, other = pair(a, b), pair(b, a)
    assert (one.decision, one.rule, round(one.score, 9)) == (
        other.decision,
        other.rule,
        round(other.score, 9),
    )


def test_the_pairs_command_prints_predicted_pairs(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "rec_id,given_name,surname,date_of_birth,phone,suburb\n"
        "a,wei,zhang,19900307,13800138000,shanghai\n"
        "b,wei,zhang,19900307,+8613800138000,shanghai\n"
        "c,na,li,19851101,13900000000,beijing\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    assert pairs_main([str(source), "--id-column", "rec_id"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "id_a,id_b,score"
    assert [line.split(",")[:2] for line in lines[1:]] == [["a", "b"]]


def test_the_pairs_command_names_a_missing_id_column(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "people.csv"
    source.write_text("name,phone\n张伟,13800138000\n", encoding="utf-8")
    assert pairs_main([str(source), "--id-column", "rec_id"], out=io.StringIO()) == 2
    assert "no column 'rec_id'" in capsys.readouterr().err
    assert pairs_main([str(tmp_path / "missing.csv"), "--id-column", "x"], out=io.StringIO()) == 2
