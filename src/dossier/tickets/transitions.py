"""A ticket's life: its states, and which changes of state are legal (pure data, no Django).

    new → in_progress → waiting_on_customer → resolved → closed
                    ↖────────────↙         ↘ reopen (resolved or closed → in_progress)

Every service, page and API that moves a ticket asks :func:`is_legal`; the table below is the
only place that says which moves exist.
"""

from __future__ import annotations

NEW = "new"
IN_PROGRESS = "in_progress"
WAITING_ON_CUSTOMER = "waiting_on_customer"
RESOLVED = "resolved"
CLOSED = "closed"

#: every state, in the order of a ticket's life
STATUSES: tuple[str, ...] = (NEW, IN_PROGRESS, WAITING_ON_CUSTOMER, RESOLVED, CLOSED)

#: the states in which a ticket still needs work (counted as open, can be overdue)
OPEN_STATUSES: frozenset[str] = frozenset({NEW, IN_PROGRESS, WAITING_ON_CUSTOMER})

#: from each state, the states a ticket may move to
TRANSITIONS: dict[str, frozenset[str]] = {
    NEW: frozenset({IN_PROGRESS}),
    IN_PROGRESS: frozenset({WAITING_ON_CUSTOMER, RESOLVED}),
    WAITING_ON_CUSTOMER: frozenset({IN_PROGRESS, RESOLVED}),
    RESOLVED: frozenset({CLOSED, IN_PROGRESS}),
    CLOSED: frozenset({IN_PROGRESS}),
}

#: a move back into work from a finished state: the ticket gets a new SLA due time
REOPENINGS: frozenset[tuple[str, str]] = frozenset({(RESOLVED, IN_PROGRESS), (CLOSED, IN_PROGRESS)})

#: the moves that take a ticket towards its end: all a ticket of an erased customer may make
WINDING_DOWN: frozenset[tuple[str, str]] = frozenset(
    {
        (NEW, IN_PROGRESS),
        (IN_PROGRESS, RESOLVED),
        (WAITING_ON_CUSTOMER, RESOLVED),
        (RESOLVED, CLOSED),
    }
)


def is_legal(current: str, target: str) -> bool:
    """Whether a ticket in ``current`` may move to ``target``."""
    return target in TRANSITIONS.get(current, frozenset())


def next_states(current: str) -> list[str]:
    """The states a ticket in ``current`` may move to, in the order of a ticket's life."""
    allowed = TRANSITIONS.get(current, frozenset())
    return [status for status in STATUSES if status in allowed]


def is_open(status: str) -> bool:
    """Whether a ticket in this state still needs work."""
    return status in OPEN_STATUSES


def is_reopening(current: str, target: str) -> bool:
    """Whether the move takes a finished ticket back into work."""
    return (current, target) in REOPENINGS


def winds_down(current: str, target: str) -> bool:
    """Whether the move takes the ticket towards its end (never back into work)."""
    return (current, target) in WINDING_DOWN
