"""Compiling a segment's rule tree into one SQL filter on customers.

Every condition becomes a test of the customer's own columns or ``id IN (subquery)`` over the
table that holds its source (figures, scores, tags, orders, interactions …). A condition that
the source's default satisfies (``order_count < 3`` holds for a customer with no figures row)
is written ``id NOT IN (rows failing it)``, so customers with no row are counted right without
a join. The database plans the whole tree as one query with hashed semi-joins; nothing is
evaluated row by row in Python. Meanings are written in ``rules``; the reference evaluator
of the tests follows the same text, and a hypothesis test checks the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Model, Q, Sum, TextField, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, ExtractDay, ExtractMonth
from django.db.models.lookups import (
    Exact,
    GreaterThanOrEqual,
    IContains,
    In,
    IsNull,
    LessThanOrEqual,
)

from dossier.activity.models import CustomerFigures
from dossier.consent.selectors import granted_customer_ids
from dossier.core.fields.base import FieldSpec, get_type
from dossier.customers.models import CustomerLookup, CustomerTag
from dossier.feedback.models import Feedback
from dossier.insights.models import CustomerScore
from dossier.insights.rules import All, AnyOf, Condition, Node, Not
from dossier.interactions.models import Interaction
from dossier.orders.checks import PURCHASED
from dossier.orders.models import Order, OrderLine
from dossier.protection.disclosure import lookup_digest
from dossier.tickets.models import Ticket

#: what a customer without a row in the source has (figures and scores)
DEFAULTS: dict[str, Any] = {
    "order_count": 0,
    "total_spend": Decimal(0),
    "return_count": 0,
    "refund_total": Decimal(0),
    "complaint_count": 0,
    "open_tickets": 0,
    "last_nps": None,
    "average_csat": None,
    "first_purchase_at": None,
    "last_purchase_at": None,
    "last_interaction_at": None,
    "rfm_segment": "",
    "grade": "",
    "churn_risk": None,
    "clv": None,
}


@dataclass(frozen=True)
class Moment:
    """The instant rules are read at, and the time zone that says where a day starts."""

    now: datetime
    tz: ZoneInfo

    @property
    def today(self) -> date:
        return self.now.astimezone(self.tz).date()

    def start_of(self, day: date) -> datetime:
        return datetime.combine(day, time.min, tzinfo=self.tz)

    def days_ago(self, days: int) -> datetime:
        return self.now - timedelta(days=days)


def compile_rules(node: Node, *, moment: Moment) -> Q:
    """The filter on customers that keeps exactly those the rule tree describes."""
    if isinstance(node, All):
        found = Q()
        for child in node.children:
            found &= compile_rules(child, moment=moment)
        return found
    if isinstance(node, AnyOf):
        found = compile_rules(node.children[0], moment=moment)
        for child in node.children[1:]:
            found |= compile_rules(child, moment=moment)
        return found
    if isinstance(node, Not):
        return ~compile_rules(node.child, moment=moment)
    return _condition(node, moment)


def _condition(c: Condition, moment: Moment) -> Q:
    source = c.rule_field.source
    if source == "customer":
        return _customer_column(c, moment)
    if source == "tags":
        return _tags(c)
    if source in ("figures", "score"):
        model: type[Model] = CustomerFigures if source == "figures" else CustomerScore
        if c.field == "average_csat":
            return _through(model, _average_csat(c), _holds_on_missing(c))
        return _through(model, _column(c, c.field, moment), _holds_on_missing(c))
    if source == "window":
        return _window(c, moment)
    if source == "consent":
        granted = Q(id__in=granted_customer_ids(c.params["purpose"], c.params["channel"]))
        return granted if c.op == "granted" else ~granted
    if source == "attribute":
        return _attribute(c)
    return _identifier(c)


def _through(model: type[Model], test: Q, holds_on_missing: bool) -> Q:
    """Customers whose row in ``model`` passes ``test``; those with no row when it holds there."""
    if holds_on_missing:
        failing = model._default_manager.exclude(test).values("customer_id")
        return ~Q(id__in=failing)
    return Q(id__in=model._default_manager.filter(test).values("customer_id"))


def _holds_on_missing(c: Condition) -> bool:
    """Whether the condition holds for the source's default (no row)."""
    default = DEFAULTS[c.field]
    if c.op == "empty":
        return default in (None, "")
    if c.op == "not_empty":
        return default not in (None, "")
    if default is None:  # a missing value fails every test but the negative ones
        return c.op in ("ne", "not_in", "not_within_days")
    return compare(c.op, default, c.value)


def compare(op: str, left: Any, right: Any) -> bool:
    """``left op right`` for a present value (numbers and choices)."""
    if op == "eq":
        return bool(left == right)
    if op == "ne":
        return bool(left != right)
    if op == "in":
        return left in right
    if op == "not_in":
        return left not in right
    if op == "between":
        return bool(right[0] <= left <= right[1])
    return {
        "gt": left > right,
        "gte": left >= right,
        "lt": left < right,
        "lte": left <= right,
    }[op]


def _column(c: Condition, column: str, moment: Moment) -> Q:
    """The test of one column (of customers, figures or scores); a missing value fails all
    but ``empty``, and ``ne`` / ``not_in`` / ``not_within_days`` hold for it."""
    op, value = c.op, c.value
    # choice and text columns are never NULL: empty is ""
    blank = c.rule_field.kind in ("choice", "text")
    empty = Q(**{column: ""}) if blank else Q(**{f"{column}__isnull": True})
    if op == "empty":
        return empty
    if op == "not_empty":
        return ~empty
    if op in ("within_days", "not_within_days"):
        recent = Q(**{f"{column}__gte": moment.days_ago(value)})
        return recent if op == "within_days" else ~recent
    if op == "before":
        return Q(**{f"{column}__lt": moment.start_of(value)})
    if op == "after":
        return Q(**{f"{column}__gte": moment.start_of(value + timedelta(days=1))})
    if op == "eq":
        return Q(**{column: value})
    if op == "ne":
        return ~Q(**{column: value})
    if op == "in":
        return Q(**{f"{column}__in": value})
    if op == "not_in":
        return ~Q(**{f"{column}__in": value})
    if op == "contains":
        return Q(**{f"{column}__icontains": value})
    if op == "between":
        return Q(**{f"{column}__gte": value[0], f"{column}__lte": value[1]})
    return Q(**{f"{column}__{op}": value})


def _customer_column(c: Condition, moment: Moment) -> Q:
    if c.field == "template":
        return _column(c, "template__key", moment)
    if c.field in ("owner", "team"):
        if c.op == "empty":
            return Q(**{f"{c.field}_id__isnull": True})
        inside = Q(**{f"{c.field}_id__in": c.value})
        return inside if c.op == "in" else ~inside
    if c.field == "birthday":
        return _birthday(c, moment)
    return _column(c, c.field, moment)


def _birthday(c: Condition, moment: Moment) -> Q:
    if c.op in ("empty", "not_empty"):
        known = Q(birthday__isnull=False)
        return known if c.op == "not_empty" else ~known
    today = moment.today
    if c.op == "age_between":
        low, high = int(c.value[0]), int(c.value[1])
        return Q(birthday__lte=years_before(today, low), birthday__gt=years_before(today, high + 1))
    days = c.value
    if days >= 365:
        return Q(birthday__isnull=False)
    end = today + timedelta(days=days)
    start_md, end_md = today.month * 100 + today.day, end.month * 100 + end.day
    month_day = ExtractMonth("birthday") * 100 + ExtractDay("birthday")
    after_start = Q(GreaterThanOrEqual(month_day, start_md))
    before_end = Q(LessThanOrEqual(month_day, end_md))
    window = after_start & before_end if start_md <= end_md else after_start | before_end
    # a missing birthday must fail the test itself, not make it unknown (NOT would keep it out)
    return Q(birthday__isnull=False) & window


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for 29 February in a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _tags(c: Condition) -> Q:
    def having(tag_ids: tuple[int, ...]) -> Q:
        return Q(id__in=CustomerTag.objects.filter(tag_id__in=tag_ids).values("customer_id"))

    if c.op == "has_all":
        found = Q()
        for tag_id in c.value:
            found &= having((tag_id,))
        return found
    return having(c.value) if c.op == "has_any" else ~having(c.value)


def _average_csat(c: Condition) -> Q:
    """Mean CSAT op v, as ``csat_total op v × csat_count`` among those rated (no division)."""
    if c.op == "empty":
        return Q(csat_count=0)
    rated = Q(csat_count__gt=0)
    if c.op == "not_empty":
        return rated
    scaled = F("csat_count") * Value(float(c.value))
    return rated & Q(**{f"csat_total__{c.op}": scaled})


def _window(c: Condition, moment: Moment) -> Q:
    """An aggregate of the customer's rows in a window: ``id IN (… GROUP BY … HAVING …)``."""
    within = c.params.get("within_days")
    since = moment.days_ago(within) if within else None
    rows, measure = _window_rows(c, since)
    if c.params.get("metric", "count") == "count":
        # "at least one" and "none" are existence: a semi-join, no counting
        some = _existence(c)
        if some is not None:
            found = Q(id__in=rows.order_by().values("customer_id"))
            return found if some else ~found
    grouped = rows.order_by().values("customer_id").annotate(measure=measure)
    test = _measure_test(c)
    if compare(c.op, 0, c.value):  # customers with no rows (0) are in
        return ~Q(id__in=grouped.exclude(test).values("customer_id"))
    return Q(id__in=grouped.filter(test).values("customer_id"))


def _existence(c: Condition) -> bool | None:
    """True when a count test means "at least one row", False for "no row", else None."""
    value = c.value
    if (c.op, value) in (("gte", 1), ("gt", 0), ("ne", 0)):
        return True
    if (c.op, value) in (("eq", 0), ("lt", 1), ("lte", 0)):
        return False
    return None


def _measure_test(c: Condition) -> Q:
    if c.op == "between":
        return Q(measure__gte=c.value[0], measure__lte=c.value[1])
    if c.op == "ne":
        return ~Q(measure=c.value)
    return Q(**{f"measure__{'exact' if c.op == 'eq' else c.op}": c.value})


def _window_rows(c: Condition, since: datetime | None) -> tuple[Any, Any]:
    rows: Any
    if c.field == "orders":
        spend = c.params.get("metric") == "spend"
        by_line = "category" in c.params or "sku" in c.params
        if by_line:
            rows = OrderLine.objects.filter(order__status__in=PURCHASED)
            if since is not None:
                rows = rows.filter(order__placed_at__gte=since)
            if "category" in c.params:
                rows = rows.filter(product__category=c.params["category"])
            if "sku" in c.params:
                rows = rows.filter(sku=c.params["sku"])
            measure = (
                Coalesce(Sum(F("line_total") - F("refunded")), Value(Decimal(0)))
                if spend
                else Count("order_id", distinct=True)
            )
            return rows, measure
        rows = Order.objects.filter(status__in=PURCHASED)
        if since is not None:
            rows = rows.filter(placed_at__gte=since)
        # count(*), not count(id): the id is not in the (placed_at) covering index, and
        # PostgreSQL would visit the table for each of the window's orders to read it
        return rows, (Sum(F("total") - F("refunded")) if spend else Count("*"))
    if c.field == "interactions":
        rows = Interaction.objects.all()
        if "channel" in c.params:
            rows = rows.filter(channel=c.params["channel"])
        return _since(rows, "occurred_at", since), Count("*")
    if c.field == "complaints":
        rows = Feedback.objects.filter(kind="complaint")
        return _since(rows, "received_at", since), Count("*")
    return _since(Ticket.objects.all(), "created_at", since), Count("*")


def _since(rows: Any, column: str, since: datetime | None) -> Any:
    return rows if since is None else rows.filter(**{f"{column}__gte": since})


def _attribute(c: Condition) -> Q:
    """A general template attribute, compared as text (identifiers are never in ``attributes``)."""
    key = c.field.split(".", 1)[1]
    text = Cast(KT(f"attributes__{key}"), TextField())
    absent = Q(IsNull(text, True)) | Q(Exact(text, ""))
    if c.op == "empty":
        return absent
    if c.op == "not_empty":
        return ~absent
    present = ~Q(IsNull(text, True))
    if c.op == "eq":
        return present & Q(Exact(text, c.value))
    if c.op == "ne":
        return ~(present & Q(Exact(text, c.value)))
    if c.op == "in":
        return present & Q(In(text, list(c.value)))
    if c.op == "not_in":
        return ~(present & Q(In(text, list(c.value))))
    return present & Q(IContains(text, c.value))


def _identifier(c: Condition) -> Q:
    """An exact phone or e-mail, through its blind index: the value never reaches the SQL."""
    type_name = c.field
    value = get_type(type_name).validate(c.value, FieldSpec(c.field, type_name))
    digest = lookup_digest(type_name, value)
    return Q(id__in=CustomerLookup.objects.filter(digest=digest).values("customer_id"))
