"""How long a ticket may take, by priority (pure: no Django; the services pass the settings)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

LOW, NORMAL, HIGH, URGENT = "low", "normal", "high", "urgent"
PRIORITIES: tuple[str, ...] = (LOW, NORMAL, HIGH, URGENT)

#: hours from opening (or reopening) to the SLA due time; settings may override each
DEFAULT_HOURS: dict[str, float] = {URGENT: 4, HIGH: 8, NORMAL: 24, LOW: 72}


def parse_hours(value: Mapping[str, object] | str | None) -> dict[str, float]:
    """The hours per priority: defaults, overridden by a mapping or "urgent=2,high=6".

    Raises ValueError naming the bad part (an unknown priority, a number that is not > 0).
    """
    hours = dict(DEFAULT_HOURS)
    if not value:
        return hours
    pairs: list[tuple[str, object]]
    if isinstance(value, str):
        pairs = []
        for part in value.split(","):
            if not part.strip():
                continue
            key, sep, text = part.partition("=")
            if not sep:
                raise ValueError(f"SLA hours: {part.strip()!r} is not priority=hours")
            pairs.append((key.strip(), text.strip()))
    else:
        pairs = list(value.items())
    for name, number in pairs:
        if name not in DEFAULT_HOURS:
            raise ValueError(f"SLA hours: unknown priority {name!r}")
        try:
            parsed = float(number)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValueError(f"SLA hours: {name}={number!r} is not a number") from None
        if not 0 < parsed < float("inf"):  # NaN fails both
            raise ValueError(f"SLA hours: {name}={number!r} must be above zero")
        hours[name] = parsed
    return hours


def due_at(start: datetime, priority: str, hours: Mapping[str, float]) -> datetime:
    """When a ticket of ``priority`` opened (or reopened) at ``start`` is due."""
    return start + timedelta(hours=hours[priority])
