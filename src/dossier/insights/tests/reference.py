"""A pure-Python reading of segment rules, written from the meanings in ``insights.rules``.

Slow and obvious on purpose: it walks plain dictionaries one customer at a time, so the
hypothesis test can check the compiled SQL against it on random data and random rules.
It shares no code with the compiler.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dossier.insights.rules import All, AnyOf, Condition, Node, Not

PURCHASE = {"paid", "shipped", "completed", "returned", "refunded"}


@dataclass
class World:
    """Everything the rules can test, as plain values, by customer id."""

    now: datetime
    tz: ZoneInfo
    customers: dict[Any, dict[str, Any]] = field(default_factory=dict)
    tags: dict[Any, set[int]] = field(default_factory=dict)
    figures: dict[Any, dict[str, Any]] = field(default_factory=dict)
    scores: dict[Any, dict[str, Any]] = field(default_factory=dict)
    orders: list[dict[str, Any]] = field(default_factory=list)
    interactions: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)
    #: (customer, purpose, channel) → the latest decision: True granted, False withdrawn
    consent: dict[tuple[Any, str, str], bool] = field(default_factory=dict)

    def live(self) -> list[Any]:
        return [k for k, c in self.customers.items() if not c["deleted"] and not c["erased"]]


def members(world: World, node: Node) -> set[Any]:
    """The live customers of ``world`` that ``node`` describes."""
    return {cid for cid in world.live() if holds(world, node, cid)}


def holds(world: World, node: Node, cid: Any) -> bool:
    if isinstance(node, All):
        return all(holds(world, child, cid) for child in node.children)
    if isinstance(node, AnyOf):
        return any(holds(world, child, cid) for child in node.children)
    if isinstance(node, Not):
        return not holds(world, node.child, cid)
    return _condition(world, node, cid)


def _ascii_lower(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _test(op: str, have: Any, want: Any, world: World) -> bool:
    """One operator on one value; a missing value (None) fails all but the negative ones."""
    if op == "empty":
        return have is None or have == ""
    if op == "not_empty":
        return not (have is None or have == "")
    if op in ("ne", "not_in", "not_within_days"):
        positive = {"ne": "eq", "not_in": "in", "not_within_days": "within_days"}[op]
        return not _test(positive, have, want, world)
    if have is None:
        return False
    if op == "eq":
        return have == want
    if op == "in":
        return have in want
    if op == "contains":
        return _ascii_lower(want) in _ascii_lower(have)
    if op == "between":
        return want[0] <= have <= want[1]
    if op == "within_days":
        return have >= world.now - timedelta(days=want)
    if op == "before":
        return have < datetime.combine(want, time.min, tzinfo=world.tz)
    if op == "after":
        return have >= datetime.combine(want + timedelta(days=1), time.min, tzinfo=world.tz)
    return {"gt": have > want, "gte": have >= want, "lt": have < want, "lte": have <= want}[op]


def _condition(world: World, c: Condition, cid: Any) -> bool:
    customer = world.customers[cid]
    if c.field == "tags":
        mine = world.tags.get(cid, set())
        if c.op == "has_any":
            return bool(mine & set(c.value))
        if c.op == "has_all":
            return set(c.value) <= mine
        return not (mine & set(c.value))
    if c.field == "birthday":
        return _birthday(world, c, customer["birthday"])
    if c.field in ("owner", "team"):
        have = customer[c.field]
        if c.op == "empty":
            return have is None
        return (have in c.value) == (c.op == "in")
    if c.field == "consent":
        granted = world.consent.get((cid, c.params["purpose"], c.params["channel"]), False)
        return granted == (c.op == "granted")
    if c.field.startswith("attributes."):
        raw = customer["attributes"].get(c.field.split(".", 1)[1])
        have = None if raw is None else str(raw)
        return _test(c.op, have, c.value, world)
    if c.field == "average_csat":
        figures = world.figures.get(cid)
        if not figures or not figures["csat_count"]:
            return c.op == "empty"
        if c.op in ("empty", "not_empty"):
            return c.op == "not_empty"
        scaled = figures["csat_count"] * float(c.value)
        return _test(c.op, figures["csat_total"], scaled, world)
    if c.field in world_figure_defaults:
        have = world.figures.get(cid, world_figure_defaults).get(c.field)
        return _test(c.op, have, c.value, world)
    if c.field in score_defaults:
        have = world.scores.get(cid, score_defaults).get(c.field)
        return _test(c.op, have, c.value, world)
    if c.field in ("orders", "interactions", "complaints", "tickets"):
        return _test(c.op, _window(world, c, cid), c.value, world)
    return _test(c.op, customer[c.field], c.value, world)


world_figure_defaults: dict[str, Any] = {
    "order_count": 0,
    "total_spend": Decimal(0),
    "return_count": 0,
    "refund_total": Decimal(0),
    "complaint_count": 0,
    "open_tickets": 0,
    "last_nps": None,
    "first_purchase_at": None,
    "last_purchase_at": None,
    "last_interaction_at": None,
    "csat_total": 0,
    "csat_count": 0,
}
score_defaults: dict[str, Any] = {"rfm_segment": "", "grade": "", "churn_risk": None, "clv": None}


def _in_window(world: World, c: Condition, at: datetime) -> bool:
    days = c.params.get("within_days")
    return days is None or at >= world.now - timedelta(days=days)


def _window(world: World, c: Condition, cid: Any) -> Any:
    if c.field == "orders":
        spend = c.params.get("metric") == "spend"
        by_line = "category" in c.params or "sku" in c.params
        count, total = 0, Decimal(0)
        for order in world.orders:
            if order["customer"] != cid or order["status"] not in PURCHASE:
                continue
            if not _in_window(world, c, order["placed_at"]):
                continue
            if not by_line:
                count += 1
                total += order["total"] - order["refunded"]
                continue
            lines = [
                line
                for line in order["lines"]
                if line["category"] == c.params.get("category", line["category"])
                and line["sku"] == c.params.get("sku", line["sku"])
            ]
            if lines:
                count += 1
                total += sum((line["line_total"] - line["refunded"] for line in lines), Decimal(0))
        return total if spend else count
    if c.field == "interactions":
        rows = [
            r
            for r in world.interactions
            if r["customer"] == cid and r["channel"] == c.params.get("channel", r["channel"])
        ]
        return sum(1 for r in rows if _in_window(world, c, r["occurred_at"]))
    if c.field == "complaints":
        rows = [r for r in world.feedback if r["customer"] == cid and r["kind"] == "complaint"]
        return sum(1 for r in rows if _in_window(world, c, r["received_at"]))
    rows = [r for r in world.tickets if r["customer"] == cid]
    return sum(1 for r in rows if _in_window(world, c, r["created_at"]))


def _age(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _birthday(world: World, c: Condition, born: date | None) -> bool:
    if c.op == "empty":
        return born is None
    if born is None:
        return False
    if c.op == "not_empty":
        return True
    today = world.now.astimezone(world.tz).date()
    if c.op == "age_between":
        return int(c.value[0]) <= _age(born, today) <= int(c.value[1])
    if c.value >= 365:
        return True
    end = today + timedelta(days=c.value)
    start_md, end_md = today.month * 100 + today.day, end.month * 100 + end.day
    md = born.month * 100 + born.day
    if start_md <= end_md:
        return start_md <= md <= end_md
    return md >= start_md or md <= end_md
