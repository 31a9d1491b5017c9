"""The transition table and the SLA rules, as pure data (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from dossier.tickets import sla, transitions
from dossier.tickets.transitions import (
    CLOSED,
    IN_PROGRESS,
    NEW,
    RESOLVED,
    STATUSES,
    WAITING_ON_CUSTOMER,
)

#: the workflow the issue asks for, written out pair by pair
LEGAL = {
    (NEW, IN_PROGRESS),
    (IN_PROGRESS, WAITING_ON_CUSTOMER),
    (IN_PROGRESS, RESOLVED),
    (WAITING_ON_CUSTOMER, IN_PROGRESS),
    (WAITING_ON_CUSTOMER, RESOLVED),
    (RESOLVED, CLOSED),
    (RESOLVED, IN_PROGRESS),
    (CLOSED, IN_PROGRESS),
}
ILLEGAL = sorted(set(product(STATUSES, STATUSES)) - LEGAL)


def test_the_table_allows_exactly_the_workflow() -> None:
    allowed = {(a, b) for a, b in product(STATUSES, STATUSES) if transitions.is_legal(a, b)}
    assert allowed == LEGAL
    assert len(ILLEGAL) == 25 - 8


@pytest.mark.parametrize(("current", "target"), ILLEGAL)
def test_every_other_move_is_illegal(current: str, target: str) -> None:
    assert not transitions.is_legal(current, target)


def test_unknown_states_are_never_legal() -> None:
    assert not transitions.is_legal("archived", NEW)
    assert not transitions.is_legal(NEW, "archived")
    assert transitions.next_states("archived") == []


def test_next_states_follow_a_tickets_life() -> None:
    assert transitions.next_states(IN_PROGRESS) == [WAITING_ON_CUSTOMER, RESOLVED]
    assert transitions.next_states(RESOLVED) == [IN_PROGRESS, CLOSED]


def test_open_states_and_reopenings() -> None:
    assert [s for s in STATUSES if transitions.is_open(s)] == [
        NEW,
        IN_PROGRESS,
        WAITING_ON_CUSTOMER,
    ]
    assert transitions.is_reopening(CLOSED, IN_PROGRESS)
    assert transitions.is_reopening(RESOLVED, IN_PROGRESS)
    assert not transitions.is_reopening(WAITING_ON_CUSTOMER, IN_PROGRESS)


START = datetime(2026, 3, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "hours"), [("urgent", 4), ("high", 8), ("normal", 24), ("low", 72)]
)
def test_sla_due_time_follows_the_priority(priority: str, hours: int) -> None:
    assert sla.due_at(START, priority, sla.parse_hours(None)) == START + timedelta(hours=hours)


def test_sla_hours_can_be_overridden_by_a_mapping_or_text() -> None:
    assert sla.parse_hours({"urgent": 2})["urgent"] == 2
    assert sla.parse_hours({"urgent": 2})["low"] == 72
    hours = sla.parse_hours("urgent=1.5, high=6")
    assert (hours["urgent"], hours["high"], hours["normal"]) == (1.5, 6, 24)


@pytest.mark.parametrize(
    "bad", ["urgent", "soon=3", "urgent=0", "urgent=-1", "urgent=nan", "urgent=inf", {"high": "x"}]
)
def test_bad_sla_hours_are_refused_naming_the_part(bad: object) -> None:
    with pytest.raises(ValueError, match="SLA hours"):
        sla.parse_hours(bad)  # type: ignore[arg-type]
