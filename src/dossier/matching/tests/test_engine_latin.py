"""The engine on latin-script records typed badly (FEBRL-like): addresses with spaces typed in
or left out, one name part alike, the name vetoes yielding to overwhelming agreement, and the
EM estimate's levels it cannot learn. Each rule's explanation as the user reads it."""

from __future__ import annotations

import random

from dossier.matching.engine import Match, Model, Person, Reason, compare, estimate, prepare
from dossier.matching.engine.levels import (
    ADDRESS,
    BIRTHDAY,
    BIRTHDAY_FAR,
    NAME,
    NAME_DIFFERS,
    NAME_ONE_PART,
    compare_names,
)
from dossier.matching.engine.model import DEFAULT_M


def _pair(a: dict[str, str], b: dict[str, str]) -> Match:
    return compare(prepare(Person(id="a", **a)), prepare(Person(id="b", **b)))


def _reason(match: Match, field: str) -> Reason:
    return next(r for r in match.reasons if r.field == field and r.outcome not in _VERDICTS)


_VERDICTS = ("veto", "rule")


def _vetoes(match: Match) -> list[str]:
    return [r.field for r in match.reasons if r.outcome == "veto"]


def test_an_address_with_a_space_typed_in_or_left_out_is_close() -> None:
    match = _pair(
        {"address": "37 kellewayavenue allandale"}, {"address": "37 kelleway avenue allandale"}
    )
    address = _reason(match, "address")
    assert address.outcome == "similar"
    assert address.detail["similarity"] == 1.0
    assert address.text() == (
        "address 37 kellewayavenue allandale ≈ 37 kelleway avenue allandale via spelling 1.00"
    )
    # the close level's weight, not the partial one's
    assert address.weight == round(Model().weights[ADDRESS][1], 3)


def test_one_name_part_alike_across_fields_is_its_own_level() -> None:
    a = {"given_name": "barnayb", "surname": "reid"}
    b = {"given_name": "siggins", "surname": "barnaby"}
    comparison = compare_names(prepare(Person(id="a", **a)), prepare(Person(id="b", **b)))
    assert comparison.level == NAME_ONE_PART
    name = _reason(_pair(a, b), "name")
    assert name.outcome == "similar"
    assert name.detail["via"] == "part"
    assert name.text() == "name reid barnayb ≈ barnaby siggins via one part 0.97"
    assert name.text("zh-Hans") == "姓名 reid barnayb ≈ barnaby siggins（部分相同 0.97）"
    # one part alike weighs more than none and less than the whole name alike
    weights = Model().weights[NAME]
    assert weights[NAME_DIFFERS] < name.weight < weights[NAME_DIFFERS - 2]


def test_pinyin_names_sharing_a_surname_are_not_one_part_alike() -> None:
    # Shen Ruibin and Linna Shen: a household's surname, no sign of one person
    match = _pair({"name": "Shen Ruibin"}, {"name": "Linna Shen"})
    assert _reason(match, "name").outcome == "differs"
    assert "name" in _vetoes(match)
    # nor are names in characters, which are compared by their characters
    han = compare_names(
        prepare(Person(id="a", name="沈瑞斌")), prepare(Person(id="b", name="沈琳娜"))
    )
    assert han.level == NAME_DIFFERS


_PLACE = {"birthday": "1910-09-20", "city": "beaumaris", "postcode": "4506", "province": "wa"}


def test_the_name_veto_yields_to_overwhelming_agreement_for_latin_names_only() -> None:
    latin = _pair(
        {"given_name": "Anna", "surname": "Priest", "address": "53 kyeema place", **_PLACE},
        {"given_name": "Kate", "surname": "Dewar", "address": "53 kyeema", **_PLACE},
    )
    assert latin.decision == "duplicate"
    assert _vetoes(latin) == []
    assert _reason(latin, "name").outcome == "differs"
    assert _reason(latin, "name").weight < 0  # the name still counts against, truthfully
    assert "birthday equal" in latin.text()
    han = _pair(
        {"name": "王芳", "address": "53 kyeema place", **_PLACE},
        {"name": "李娜", "address": "53 kyeema", **_PLACE},
    )
    assert han.decision == "distinct"
    assert _vetoes(han) == ["name"]
    assert "names clearly differ → not merged" in han.text()


def test_the_name_veto_still_stops_latin_names_short_of_that() -> None:
    match = _pair(
        {"given_name": "Anna", "surname": "Priest", "city": "beaumaris"},
        {"given_name": "Kate", "surname": "Dewar", "city": "beaumaris"},
    )
    assert match.decision == "distinct"
    assert _vetoes(match) == ["name"]


def test_one_postcode_and_a_partly_alike_street_are_no_namesakes() -> None:
    same = {"given_name": "Emma", "surname": "Louca", "postcode": "3377"}
    near = _pair(
        {**same, "address": "33 cherry place", "city": "berwick"},
        {**same, "address": "92 pinecr oft cherry place", "city": "frankston"},
    )
    assert _reason(near, "address").outcome == "similar"
    assert "namesake" not in _vetoes(near)
    assert "postcode equal" in near.text()
    # the postcode alone, with another street, leaves them namesakes
    elsewhere = _pair(
        {**same, "address": "1 morton street", "city": "berwick"},
        {**same, "address": "92 albermarle place", "city": "frankston"},
    )
    assert _vetoes(elsewhere) == ["namesake"]
    assert "same name, nothing else agrees and contacts differ (namesakes) → not merged" in (
        elsewhere.text()
    )


_GIVEN = ["oliver", "emma", "jake", "sarah", "liam", "chloe", "ethan", "ruby", "isla", "max"]
_SURNAMES = ["reid", "white", "green", "clarke", "ryan", "blake", "priest", "louca", "goode"]


def _latin_people(count: int, seed: int) -> list[Person]:
    """`count` people, each with a second record: one letter of the surname dropped."""
    rng = random.Random(seed)
    people = []
    for k in range(count):
        given, surname = rng.choice(_GIVEN), rng.choice(_SURNAMES) + rng.choice("abcdefgh")
        year, month, day = rng.randint(1930, 2000), rng.randint(1, 12), rng.randint(1, 28)
        fields = {
            "birthday": f"{year}{month:02d}{day:02d}",
            "postcode": str(rng.randint(2000, 7999)),
            "city": rng.choice(["young", "moonta", "como", "urana", "ormond", "ringwood"]),
            "address": f"{rng.randint(1, 99)} {rng.choice(_SURNAMES)} street",
        }
        people.append(Person(id=f"{k}-0", given_name=given, surname=surname, **fields))
        people.append(Person(id=f"{k}-1", given_name=given, surname=surname[:-1], **fields))
    return people


def test_em_leaves_far_birthdays_m_at_its_default() -> None:
    model = estimate([prepare(p) for p in _latin_people(150, seed=3)])
    # EM trains without far-off birthdays: it cannot learn how often one person has them
    assert model.m[BIRTHDAY][BIRTHDAY_FAR] == DEFAULT_M[BIRTHDAY][BIRTHDAY_FAR]
    assert abs(sum(model.m[BIRTHDAY]) - 1.0) < 1e-9
    assert model.m[BIRTHDAY][0] > 0.5  # the rest is still learnt


def test_one_part_u_is_measured_among_the_pairs_that_can_reach_it() -> None:
    latin = [prepare(p) for p in _latin_people(150, seed=5)]
    rng = random.Random(7)
    han = [
        prepare(Person(id=f"h{k}", name=rng.choice("王李张刘陈") + rng.choice("伟芳娜敏静丽强")))
        for k in range(900)
    ]
    alone = estimate(latin).u[NAME][NAME_ONE_PART]
    mixed = estimate(latin + han).u[NAME][NAME_ONE_PART]
    # nine in ten random pairs now hold a name in characters, which never reaches the level:
    # counted over all pairs the share would drop about tenfold
    assert alone > 0.05
    assert abs(mixed - alone) < 0.3 * alone
