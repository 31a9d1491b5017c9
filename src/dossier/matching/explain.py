"""A match's explanation as people read it, without values they may not see.

The engine's reasons carry the compared values. Names, companies and places are shown to
anyone who may see the customer; phone, e-mail, id number, address and birthday are not
(their line says "phone equal", never the number). What the review queue stores keeps no
value at all: names are filled in from the customers when the page is drawn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from dossier.matching.engine import Match, Reason

#: fields whose values a line of explanation may show
SHOWN = frozenset({"name", "company", "city", "province", "district"})
#: detail entries that are values (the rest are measures: similarity, via …)
VALUE_KEYS = frozenset({"a", "b", "value", "values"})


def _without_values(detail: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in detail.items() if k not in VALUE_KEYS}


def safe_reason(reason: Reason) -> Reason:
    """The reason as it may be shown: values of personal fields left out."""
    if reason.field in SHOWN:
        return reason
    return replace(reason, detail=_without_values(reason.detail))


def reason_texts(match: Match, language: str) -> list[str]:
    """One line per compared field, in ``language``."""
    return [safe_reason(r).text(language) for r in match.reasons]


def stored_reasons(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    """Reasons as the review queue keeps them: no values at all."""
    return [
        {
            "field": r.field,
            "outcome": r.outcome,
            "weight": round(r.weight, 3),
            "detail": _without_values(r.detail),
        }
        for r in reasons
    ]


def texts_of_stored(
    reasons: Iterable[Mapping[str, Any]], names: tuple[str, str], language: str
) -> list[str]:
    """Lines for stored reasons; name lines get the customers' current names back."""
    lines = []
    for stored in reasons:
        detail = dict(stored.get("detail") or {})
        if stored.get("field") == "name":
            detail.update(a=names[0], b=names[1])
        reason = Reason(
            field=str(stored.get("field", "")),
            outcome=str(stored.get("outcome", "")),
            weight=float(stored.get("weight", 0)),
            detail=detail,
        )
        lines.append(reason.text(language))
    return lines
