"""New orders and their lines as COPY's text format, written out in one pass (PostgreSQL).

A bulk sync streams a thousand orders and three thousand lines a call. Handing the driver a
row of Python values each (``insert_rows``) costs a function call per value to adapt it;
here each row is one f-string of values that are already plain (UUID and amounts as their
text, the customer's id written once per customer, the catalogue's SKU and name escaped once
a call). The free texts are escaped for COPY; the rest are choices, numbers and times, which
need none. ``tests/test_copy_rows.py`` holds the result to what ``insert_rows`` stores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dossier.core.bulk_insert import copy_escaped
from dossier.orders.checks import CleanOrder

if TYPE_CHECKING:
    from dossier.orders.services.writing import NewOrder

NULL = "\\N"


def order_copy_text(orders: Sequence[NewOrder]) -> str:
    """Lines of ``ORDER_FIELDS``, each ending in a newline."""
    stamps: dict[tuple[Any, Any, Any], str] = {}  # one for every order of a call
    out = []
    for o in orders:
        key = (o.created_at, o.updated_at, o.created_by_id)
        stamp = stamps.get(key)
        if stamp is None:
            by = NULL if o.created_by_id is None else o.created_by_id
            stamp = stamps[key] = f"{o.created_at}\t{o.updated_at}\t{by}"
        out.append(
            f"{o.id_text}\t{o.customer_text}\t{copy_escaped(o.source)}\t"
            f"{copy_escaped(o.external_id)}\t{o.channel}\t{copy_escaped(o.store)}\t"
            f"{o.placed_at}\t{o.status}\t{o.discount}\t{o.total}\t{o.refunded}\t{o.item_count}\t"
            f"{o.currency}\t{o.payment_method}\t{copy_escaped(o.campaign)}\t"
            f"{stamp}\n"
        )
    return "".join(out)


def line_copy_text(orders: Sequence[NewOrder], cleans: Sequence[CleanOrder]) -> str:
    """Lines of ``LINE_FIELDS`` for the orders' lines (``cleans`` in the orders' order)."""
    escaped: dict[str, str] = {}
    out = []
    for order, clean in zip(orders, cleans, strict=True):
        head = f"{order.id_text}\t{order.customer_text}\t"
        returned = clean.status == "returned"
        for line in clean.lines:
            sku = escaped.get(line.sku)
            if sku is None:
                sku = escaped[line.sku] = copy_escaped(line.sku)
            name = escaped.get(line.name)
            if name is None:
                name = escaped[line.name] = copy_escaped(line.name)
            product = NULL if line.product_id is None else line.product_id
            out.append(
                f"{head}{line.position}\t{product}\t{sku}\t{name}\t{line.qty}\t"
                f"{line.unit_price}\t{line.discount}\t{line.line_total}\t"
                f"{line.qty if returned else 0}\t0.00\n"
            )
    return "".join(out)
