"""Checking an order as sent (API, page, bulk sync): a pure function over plain values.

:func:`check_order` turns one raw order into a :class:`CleanOrder` with its totals worked
out from the lines, or the list of every error found, each naming its field
(``lines[2].qty``). No database here: the caller hands in the catalogue's products by sku,
so a batch of a thousand orders is checked with one query for the products.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from uuid import UUID

from dossier.core.fields import FieldError, FieldLabel, FieldSpec, get_type
from dossier.orders import errors as e
from dossier.orders.errors import OrderError

CHANNELS = ("store", "web", "app", "mini_program", "phone", "partner")
STATUSES = ("pending", "paid", "shipped", "completed", "returned", "refunded", "cancelled")
PAYMENTS = ("wechat_pay", "alipay", "unionpay", "card", "cash", "cod", "transfer", "other")
#: statuses in which an order counts as a purchase (figures, refunds, returns)
PURCHASED = ("paid", "shipped", "completed", "returned", "refunded")
#: where each status may go: forward through the lifecycle (skipping steps is allowed, as a
#: shop's sync may miss one), returns after delivery, refunds once paid, cancelling before
TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"paid", "shipped", "completed", "cancelled"}),
    "paid": frozenset({"shipped", "completed", "refunded"}),
    "shipped": frozenset({"completed", "returned", "refunded"}),
    "completed": frozenset({"returned", "refunded"}),
    "returned": frozenset({"refunded"}),
    "refunded": frozenset(),
    "cancelled": frozenset(),
}
MAX_LINES = 100
MAX_QTY = 1_000_000
MONEY_LIMIT = Decimal("999999999999.99")  # 14 digits, 2 after the point
CENT = Decimal("0.01")
#: how far ahead of the server's clock a shop's clock may be
CLOCK_SKEW = timedelta(minutes=10)
CURRENCY_CODE = re.compile(r"[A-Z]{3}")
#: text that needs no more checking: no control character, nothing to trim at either end
PLAIN_TEXT = re.compile(r"[^\x00-\x20\x7f](?:[^\x00-\x08\x0a-\x1f\x7f]*[^\x00-\x20\x7f])?")
#: an amount that needs no more checking: at most 12 digits, at most two decimals
AMOUNT_TEXT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?")
#: control characters the text field type refuses too (tab and line breaks are text)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class CustomerRef:
    """How an order names its customer: by id, by an id in another system, phone or e-mail."""

    kind: str  # "id" | "external" | "phone" | "email"
    value: Any  # UUID | (source, external id) | normalised phone | normalised e-mail
    label: FieldLabel


@dataclass(slots=True)
class CleanLine:
    position: int
    product_id: int | None
    sku: str
    name: str
    qty: int
    unit_price: Decimal
    discount: Decimal
    line_total: Decimal


@dataclass(slots=True)
class CleanOrder:
    """An order whose every value passed, with its totals from the lines."""

    source: str
    external_id: str
    channel: str
    store: str
    placed_at: datetime
    status: str
    discount: Decimal
    total: Decimal
    currency: str
    payment_method: str
    campaign: str
    customer: CustomerRef
    lines: list[CleanLine] = field(default_factory=list)

    @property
    def item_count(self) -> int:
        return sum(line.qty for line in self.lines)


def is_mapping(value: Any) -> bool:
    """Whether ``value`` is a JSON object: a plain dict at once, without the ABC's slow check."""
    return type(value) is dict or isinstance(value, Mapping)


class Errors(list[FieldError]):
    def add(self, code: str, label: FieldLabel, **params: Any) -> None:
        self.append(OrderError(code, spec=label, **params))


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Any, label: FieldLabel, errs: Errors, *, limit: int, required: bool = False) -> str:
    """Trimmed text of at most ``limit`` characters, without control characters."""
    if type(value) is str and value and len(value) <= limit and PLAIN_TEXT.fullmatch(value):
        return value  # the usual case, in one regular expression
    if _empty(value):
        if required:
            errs.add("required", label)
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        errs.add("invalid_text", label)
        return ""
    result = str(value).strip()
    if _CONTROL.search(result):
        errs.add("control_characters", label)
    elif len(result) > limit:
        errs.add("too_long", label, max=limit)
    return result


def money(value: Any, label: FieldLabel, errs: Errors, *, default: Decimal | None = None) -> Any:
    """An amount of at least zero with at most two decimals; None after an error."""
    if type(value) is str and AMOUNT_TEXT.fullmatch(value):
        return Decimal(value).quantize(CENT)  # the usual case: digits, at most two decimals
    if _empty(value):
        if default is None:
            errs.add("required", label)
        return default
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        errs.add("invalid_money", label)
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        errs.add("invalid_money", label)
        return None
    if not amount.is_finite():
        errs.add("invalid_money", label)
    elif amount < 0:
        errs.add("too_small", label, min=0)
    elif amount > MONEY_LIMIT:  # checked before quantize, which fails on huge values
        errs.add("too_large", label, max=MONEY_LIMIT)
    elif amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        errs.add("too_many_decimals", label, places=2)
    else:
        return amount.quantize(CENT)
    return None


def whole_number(value: Any, label: FieldLabel, errs: Errors, *, low: int, high: int) -> int | None:
    """An integer from ``low`` to ``high`` (a JSON number or its digits)."""
    if type(value) is int and low <= value <= high:
        return value
    if _empty(value):
        errs.add("required", label)
        return None
    if isinstance(value, bool):
        errs.add("invalid_integer", label)
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdecimal():
        value = int(value.strip())
    if not isinstance(value, int):
        errs.add("invalid_integer", label)
        return None
    if value < low:
        errs.add("too_small", label, min=low)
    elif value > high:
        errs.add("too_large", label, max=high)
    else:
        return value
    return None


def choice(
    value: Any,
    label: FieldLabel,
    errs: Errors,
    choices: Sequence[str],
    *,
    required: bool = True,
    default: str = "",
) -> str:
    if _empty(value):
        if required:
            errs.add("required", label)
        return default
    if not isinstance(value, str) or value not in choices:
        errs.add("invalid_choice", label, value=str(value)[:32])
        return default
    return value


def moment(
    value: Any, label: FieldLabel, errs: Errors, *, zone: tzinfo, now: datetime
) -> datetime | None:
    """A date and time (ISO 8601); without an offset it is read in ``zone``; not in the future."""
    if _empty(value):
        errs.add("required", label)
        return None
    when = value
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            when = None
    if not isinstance(when, datetime):
        errs.add("invalid_datetime", label)
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=zone)
    if when > now + CLOCK_SKEW:
        errs.add("in_the_future", label)
        return None
    return when


def customer_ref(raw: Mapping[str, Any], source: str, errs: Errors) -> CustomerRef | None:
    """The strongest reference the order gives: id, then external id, then phone, then e-mail."""
    if not _empty(raw.get("customer_id")):
        try:
            return CustomerRef("id", UUID(str(raw["customer_id"]).strip()), e.CUSTOMER_ID)
        except ValueError:
            errs.add("customer_not_found", e.CUSTOMER_ID)
            return None
    if not _empty(raw.get("customer_external_id")):
        ext = text(raw["customer_external_id"], e.CUSTOMER_EXTERNAL_ID, errs, limit=64)
        own = text(raw.get("customer_source"), e.CUSTOMER_SOURCE, errs, limit=50)
        return CustomerRef("external", (own or source, ext), e.CUSTOMER_EXTERNAL_ID)
    for kind, label in (("phone", e.PHONE), ("email", e.EMAIL)):
        if _empty(raw.get(kind)):
            continue
        try:
            clean = get_type(kind).validate(str(raw[kind]), FieldSpec(kind, kind))
        except FieldError as problem:
            errs.append(OrderError(problem.code, spec=label, **problem.params))
            return None
        return CustomerRef(kind, clean, label)
    errs.add("customer_missing", e.CUSTOMER)
    return None


@dataclass(frozen=True)
class _LineLabels:
    sku: FieldLabel
    name: FieldLabel
    qty: FieldLabel
    unit_price: FieldLabel
    discount: FieldLabel
    line_total: FieldLabel


@lru_cache(maxsize=MAX_LINES)
def _line_labels(index: int) -> _LineLabels:
    """The labels of the ``index``-th line's fields (made once: a batch has thousands of lines)."""
    return _LineLabels(
        sku=e.line_label(index, "sku", "SKU", "SKU"),
        name=e.line_label(index, "name", "名称", "Name"),
        qty=e.line_label(index, "qty", "数量", "Quantity"),
        unit_price=e.line_label(index, "unit_price", "单价", "Unit price"),
        discount=e.line_label(index, "discount", "折扣", "Discount"),
        line_total=e.line_label(index, "line_total", "小计", "Line total"),
    )


def _line(
    index: int, raw: Any, products: Mapping[str, tuple[int, str]], errs: Errors
) -> CleanLine | None:
    if not is_mapping(raw):
        errs.add("invalid_text", e.line_label(index, "sku", "", "item"))
        return None
    label = _line_labels(index)
    before = len(errs)
    sku = text(raw.get("sku"), label.sku, errs, limit=64)
    name = text(raw.get("name"), label.name, errs, limit=200)
    qty = whole_number(raw.get("qty"), label.qty, errs, low=1, high=MAX_QTY)
    price = money(raw.get("unit_price"), label.unit_price, errs)
    discount = money(raw.get("discount"), label.discount, errs, default=Decimal("0.00"))
    product = products.get(sku) if sku else None
    if product is None and not name:
        # a sku the catalogue does not know is kept as written: a free-text line, with a name
        errs.add("name_required", label.name)
    if len(errs) > before or qty is None or price is None or discount is None:
        return None
    gross = price * qty
    if discount > gross:
        errs.add("discount_too_large", label.discount, value=discount, limit=gross)
        return None
    line_total = gross - discount
    given = raw.get("line_total")
    if not _empty(given):
        stated = money(given, label.line_total, errs)
        if stated is not None and stated != line_total:
            errs.add("total_mismatch", label.line_total, value=stated, expected=line_total)
        if stated != line_total:
            return None
    return CleanLine(
        position=index + 1,
        product_id=product[0] if product else None,
        sku=sku,
        name=name or (product[1] if product else ""),
        qty=qty,
        unit_price=price,
        discount=discount,
        line_total=line_total,
    )


def check_order(
    raw: Mapping[str, Any],
    *,
    products: Mapping[str, tuple[int, str]],
    zone: tzinfo,
    now: datetime,
) -> tuple[CleanOrder | None, list[FieldError]]:
    """One order, clean with its totals, or every error found in it.

    ``products``: (id, name) of the catalogue's products by sku, for the skus the order uses.
    """
    errs = Errors()
    source = text(raw.get("source"), e.SOURCE, errs, limit=50, required=True)
    external_id = text(raw.get("external_id"), e.EXTERNAL_ID, errs, limit=64, required=True)
    channel = choice(raw.get("channel"), e.CHANNEL, errs, CHANNELS)
    store = text(raw.get("store"), e.STORE, errs, limit=100)
    placed_at = moment(raw.get("placed_at"), e.PLACED_AT, errs, zone=zone, now=now)
    status = choice(raw.get("status"), e.STATUS, errs, STATUSES)
    before = len(errs)
    currency = text(raw.get("currency"), e.CURRENCY, errs, limit=3) or "CNY"
    if len(errs) == before and not CURRENCY_CODE.fullmatch(currency):
        errs.add("pattern", e.CURRENCY)
    payment = choice(raw.get("payment_method"), e.PAYMENT, errs, PAYMENTS, required=False)
    campaign = text(raw.get("campaign"), e.CAMPAIGN, errs, limit=50)
    discount = money(raw.get("discount"), e.DISCOUNT, errs, default=Decimal("0.00"))
    customer = customer_ref(raw, source, errs)
    lines_raw = raw.get("lines")
    lines: list[CleanLine] = []
    if not isinstance(lines_raw, list) or not lines_raw:
        errs.add("required", e.LINES)
    elif len(lines_raw) > MAX_LINES:
        errs.add("too_many_items", e.LINES, max=MAX_LINES)
    else:
        for index, line_raw in enumerate(lines_raw):
            line = _line(index, line_raw, products, errs)
            if line is not None:
                lines.append(line)
    if errs or discount is None or placed_at is None or customer is None:
        return None, list(errs)
    subtotal = sum((line.line_total for line in lines), Decimal("0.00"))
    if discount > subtotal:
        errs.add("discount_too_large", e.DISCOUNT, value=discount, limit=subtotal)
        return None, list(errs)
    total = subtotal - discount
    if not _empty(raw.get("total")):
        stated = money(raw.get("total"), e.TOTAL, errs)
        if stated is not None and stated != total:
            errs.add("total_mismatch", e.TOTAL, value=stated, expected=total)
        if errs:
            return None, list(errs)
    clean = CleanOrder(
        source=source,
        external_id=external_id,
        channel=channel,
        store=store,
        placed_at=placed_at,
        status=status,
        discount=discount,
        total=total,
        currency=currency,
        payment_method=payment,
        campaign=campaign,
        customer=customer,
        lines=lines,
    )
    return clean, []


def skus_of(orders: Sequence[Any]) -> set[str]:
    """Every sku the raw orders' lines name (to load those products in one query)."""
    found = set()
    for raw in orders:
        lines = raw.get("lines") if is_mapping(raw) else None
        for line in lines if isinstance(lines, list) else ():
            sku = line.get("sku") if is_mapping(line) else None
            if isinstance(sku, str) and sku.strip():
                found.add(sku.strip())
    return found


def transition_error(current: str, wanted: str) -> FieldError | None:
    """Why ``current`` may not become ``wanted``, or None when it may (or nothing changes)."""
    if wanted == current or wanted in TRANSITIONS.get(current, frozenset()):
        return None
    return OrderError(
        "illegal_transition",
        spec=e.STATUS,
        from_status=e.status_words(current),
        to_status=e.status_words(wanted),
    )
