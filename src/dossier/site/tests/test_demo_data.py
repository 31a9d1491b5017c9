"""The demo generator: valid Chinese identifiers, repeatable, rows every template accepts."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from stdnum.cn import ric, uscc

import dossier.templates
from dossier.core.fields import FieldSpec, get_type, validate_values
from dossier.core.fields.cn import id_card_gender, parse_id_card
from dossier.site.demo_data import (
    SURNAMES,
    TAGS,
    TEMPLATE_WEIGHTS,
    DemoData,
    id_check_digit,
    org_code_check,
    split_count,
    uscc_check,
)
from dossier.templates.core_fields import CORE_KEYS, merge_specs

BUILTIN = Path(dossier.templates.__file__).parent / "builtin"
DEFINITIONS = {
    path.stem: json.loads(path.read_text("utf-8")) for path in sorted(BUILTIN.glob("*.json"))
}
TODAY = date(2025, 6, 30)
COMPOUND_SURNAMES = tuple(name for name, _weight in SURNAMES if len(name) == 2)


def _specs(key: str) -> list[FieldSpec]:
    return merge_specs([FieldSpec(**field) for field in DEFINITIONS[key]["fields"]])


def test_check_characters_match_the_standards() -> None:
    assert id_check_digit("11010519491231002") == "X"
    assert ric.calc_check_digit("11010519491231002X") == "X"
    assert org_code_check("60003734") == "1"  # from the USCC 91110000600037341L
    assert uscc_check("91110000600037341") == "L"
    assert uscc.is_valid("91110000600037341L")


def test_every_id_card_is_valid_and_agrees_with_birthday_and_gender() -> None:
    data = DemoData(1)
    people = [data.person() for _ in range(1000)]
    for person in people:
        number, born = parse_id_card(person.id_number)
        assert born == person.born
        assert id_card_gender(number) == person.gender
        assert number == person.id_number
    assert len({p.id_number for p in people}) == len(people)
    assert {p.gender for p in people} == {"male", "female"}


def test_credit_codes_mobiles_and_landlines_pass_their_field_types() -> None:
    data = DemoData(2)
    credit = FieldSpec("uscc", "cn_uscc")
    mobile = FieldSpec("mobile", "phone", rules={"mobile_only": True})
    landline = FieldSpec("phone", "phone")
    for _ in range(300):
        company = data.company()
        assert get_type("cn_uscc").validate(company.uscc, credit) == company.uscc
        assert get_type("cn_uscc").validate(company.uscc.lower(), credit) == company.uscc
        number = data.mobile()
        assert get_type("phone").validate(data.phone_text(number), mobile) == "+86" + number
        assert get_type("phone").validate(data.landline(company.area), landline).startswith("+86")


def test_untidy_phone_numbers_are_still_normalised() -> None:
    data = DemoData(3, messy=1.0)
    spec = FieldSpec("phone", "phone", rules={"mobile_only": True})
    typed = [data.phone_text("13800138000") for _ in range(50)]
    assert any(" " in t for t in typed) and any("１" in t for t in typed)
    assert {get_type("phone").validate(t, spec) for t in typed} == {"+8613800138000"}


def _surname(name: str) -> str:
    return name[:2] if name[:2] in COMPOUND_SURNAMES else name[0]


def test_surnames_include_compound_and_heteronym_ones_read_as_surnames() -> None:
    data = DemoData(4)
    people = [data.person() for _ in range(6000)]
    by_surname = {_surname(p.name): p for p in people}
    assert {"欧阳", "司马", "上官", "诸葛"} <= set(by_surname)
    assert by_surname["单"].surname_pinyin == "shan"
    assert by_surname["曾"].surname_pinyin == "zeng"
    assert by_surname["欧阳"].surname_pinyin == "ouyang"
    assert Counter(_surname(p.name) for p in people).most_common(1)[0][0] in "王李张"
    assert {len(p.name) - len(_surname(p.name)) for p in people} == {1, 2}
    assert all(p.surname_pinyin.isascii() and p.given_pinyin.isascii() for p in people)


def test_same_seed_gives_the_same_data_and_another_seed_does_not() -> None:
    first = DemoData(42, today=TODAY)
    again = DemoData(42, today=TODAY)
    other = DemoData(43, today=TODAY)
    for key in DEFINITIONS:
        rows = first.rows(key, 20)
        assert rows == again.rows(key, 20)
        assert rows != other.rows(key, 20)


def test_every_builtin_template_has_demo_rows() -> None:
    assert set(TEMPLATE_WEIGHTS) == set(DEFINITIONS)


@pytest.mark.parametrize("key", sorted(DEFINITIONS))
def test_500_rows_per_template_pass_validation(key: str) -> None:
    specs = _specs(key)
    rows = DemoData(2024).rows(key, 500)
    errors = []
    cleaned = []
    for number, row in enumerate(rows, start=1):
        result = validate_values(row, specs, row=number)
        errors += [(e.row, e.field, e.code, row.get(e.field)) for e in result.errors]
        cleaned.append(result.clean)
    assert errors == []
    for spec in specs:
        values = [c[spec.key] for c in cleaned if c[spec.key] is not None]
        if spec.unique:
            assert len(values) == len(set(values)), spec.key
        if spec.required:
            assert len(values) == len(rows), spec.key
    # the rows are rich: every field of the template's own gets a value somewhere
    empty = [s.key for s in specs if all(c[s.key] is None for c in cleaned)]
    assert set(empty) <= CORE_KEYS


def test_financial_clients_birthday_and_gender_come_from_the_id_card() -> None:
    specs = _specs("financial_client")
    for row in DemoData(9).rows("financial_client", 100):
        clean = validate_values(row, specs).clean
        number, born = parse_id_card(clean["id_number"])
        assert clean["birthday"] == born
        assert clean["gender"] == id_card_gender(number)


def test_a_wrong_birthday_next_to_a_demo_id_card_is_rejected() -> None:
    # guards the test above: the validator does check the pairing the generator keeps
    specs = _specs("financial_client")
    row = DemoData(9, messy=0).row("financial_client")
    row["birthday"] = "1900-01-02"
    errors = validate_values(row, specs).errors
    assert [(e.field, e.code) for e in errors] == [("birthday", "id_card_mismatch")]


def test_split_count_shares_out_exactly() -> None:
    assert sum(split_count(30, TEMPLATE_WEIGHTS).values()) == 30
    assert sum(split_count(10_001, TEMPLATE_WEIGHTS).values()) == 10_001
    assert split_count(0, TEMPLATE_WEIGHTS) == dict.fromkeys(TEMPLATE_WEIGHTS, 0)
    assert split_count(100, {"a": 3, "b": 1}) == {"a": 75, "b": 25}


def test_tag_names_are_demo_tags() -> None:
    data = DemoData(5)
    names = {t[0] for t in TAGS}
    picks = [data.tag_names(at_least=1) for _ in range(200)]
    assert all(1 <= len(p) <= 3 and set(p) <= names for p in picks)
