"""The engine on latin-script records typed badly (FEBRL-like): addresses with spaces typed in
or left out, the name vetoes yielding to overwhelming agreement, and the EM estimate's levels
it cannot learn. Each rule's explanation as the user reads it."""

from __future__ import annotations

from dossier.matching.engine import Match, Model, Person, Reason, compare, prepare
from dossier.matching.engine.levels import (
    ADDRESS,
)


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
