"""Completeness and freshness arithmetic. Pure: plain values in, numbers out.

Completeness is the weighted share of a template version's fields that hold a value;
freshness falls linearly from 100 on the day of the last update, verification or
interaction to 0 after ``freshness_months``; a record is stale after ``stale_months``
without any of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

#: default weights: a required field counts three times an optional one
REQUIRED_WEIGHT = 3
OPTIONAL_WEIGHT = 1
#: average days in a month (months are policy units, not calendar months)
MONTH_DAYS = 30.44
#: template scenarios whose records age faster by default (accounts change, people move on)
FAST_SCENARIOS = frozenset({"b2b_account", "sales"})


@dataclass(frozen=True)
class Weighted:
    """A field key and its weight in a version's completeness."""

    key: str
    weight: int


def weigh(fields: Iterable[tuple[str, bool]], overrides: Mapping[str, object]) -> list[Weighted]:
    """Each (key, required) field with its weight: the policy's override, else the default.

    An override that is not a whole number from 0 to 100 is ignored (the default stands).
    """
    weighted = []
    for key, required in fields:
        weight = REQUIRED_WEIGHT if required else OPTIONAL_WEIGHT
        given = overrides.get(key)
        if isinstance(given, int) and not isinstance(given, bool) and 0 <= given <= 100:
            weight = given
        weighted.append(Weighted(key, weight))
    return weighted


def completeness(weighted: list[Weighted], present: Collection[str]) -> tuple[int, list[str]]:
    """Score 0–100 and the keys of weighted fields without a value (in the fields' order).

    A version whose fields all weigh 0 is complete by definition.
    """
    total = got = 0
    missing = []
    for field in weighted:
        if field.weight <= 0:
            continue
        total += field.weight
        if field.key in present:
            got += field.weight
        else:
            missing.append(field.key)
    if total == 0:
        return 100, []
    return round(100 * got / total), missing


def default_months(scenario: str) -> int:
    """Months to zero freshness for a template scenario: B2B and sales 6, others 12."""
    return 6 if scenario in FAST_SCENARIOS else 12


def freshness(last: datetime | None, now: datetime, months: int) -> int:
    """100 on the day of the last activity, falling linearly to 0 after ``months``."""
    if last is None or months <= 0:
        return 0
    age_days = max((now - last).total_seconds() / 86400.0, 0.0)
    return max(0, round(100 * (1 - age_days / (months * MONTH_DAYS))))


def is_stale(last: datetime | None, now: datetime, months: int) -> bool:
    """Whether nothing happened to the record for ``months`` (never anything: stale)."""
    if last is None:
        return True
    return (now - last).total_seconds() / 86400.0 >= months * MONTH_DAYS


def latest(*moments: datetime | None) -> datetime | None:
    """The latest of the given moments, ignoring the missing ones."""
    found = [m for m in moments if m is not None]
    return max(found) if found else None
