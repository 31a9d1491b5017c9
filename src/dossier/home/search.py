"""The global search box: customers, orders and tickets for one query, grouped by kind.

Each kind is read through its own app's access rule: customers through
``customers.selectors.customer_list`` (name, pinyin, initials, company, exact phone / e-mail /
ID number as the role allows, a phone's last four digits; exact finds beyond one's own
customers audited there), orders and tickets through ``restrict_owned`` (orders of customers
the actor may see) and ``tickets.selectors.tickets_by_id``. Nothing here widens a scope.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from dossier.core.actors import MaybeActor
from dossier.customers.access import may, restrict_owned
from dossier.customers.selectors import CustomerFilters, customer_list, customer_names
from dossier.orders.models import Order
from dossier.tickets.selectors import tickets_by_id

#: results per kind
LIMIT = 5
#: a longer query is cut: no name, number or identifier is longer
MAX_QUERY = 100
#: the longest order number a shop sends (``Order.external_id``)
MAX_ORDER_NUMBER = 64
MIN_ORDER_NUMBER = 3
TICKET_NUMBER = re.compile(r"#?(\d{1,18})")


@dataclass
class SearchResults:
    """What one query found, by kind; ``searched``: whether there was a query at all."""

    query: str
    customers: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    tickets: list[dict[str, Any]] = field(default_factory=list)

    @property
    def searched(self) -> bool:
        return bool(self.query)

    @property
    def empty(self) -> bool:
        return not (self.customers or self.orders or self.tickets)


def clean_query(raw: str) -> str:
    """The query as searched: control characters (NUL …) out, trimmed, at most 100 characters."""
    text = "".join(ch for ch in str(raw) if unicodedata.category(ch) != "Cc")
    return text.strip()[:MAX_QUERY].strip()


def _customers(actor: MaybeActor, query: str) -> list[dict[str, Any]]:
    if not may(actor, "customers.view_customer"):
        return []  # analysts see no customer
    page = customer_list(actor=actor, filters=CustomerFilters(q=query), limit=LIMIT)
    return [
        {
            "id": item["id"],
            "name": str(item["values"].get("display_name") or ""),
            "company": str(item["values"].get("company") or ""),
            "template": item["template"],
            "found_by_lookup": bool(item.get("found_by_lookup")),
        }
        for item in page.items
    ]


def _looks_like_a_number(text: str) -> bool:
    # order numbers are ASCII with a digit and no space ("TM2026…", "JD-88123"): a name
    # typed into the box never reaches the orders table
    return (
        MIN_ORDER_NUMBER <= len(text) <= MAX_ORDER_NUMBER
        and text.isascii()
        and not any(ch.isspace() for ch in text)
        and any(ch.isdigit() for ch in text)
    )


def _order_match(query: str) -> Q | None:
    """Orders numbered ``query``: the shop's order number, or ``source:number``.

    ``source:number`` reads the unique (source, external id) index; a number alone has no
    index of its own in the orders app, which is why only number-like queries look.
    """
    found = Q(external_id=query) if _looks_like_a_number(query) else None
    source, colon, number = query.partition(":")
    if colon and source and _looks_like_a_number(number.strip()):
        by_source = Q(source=source.strip(), external_id=number.strip())
        found = by_source if found is None else found | by_source
    return found


def _orders(actor: MaybeActor, query: str) -> list[dict[str, Any]]:
    match = _order_match(query)
    if match is None or not may(actor, "customers.view_customer"):
        return []
    orders = restrict_owned(Order.objects.filter(match), actor, "view")
    rows = list(orders.order_by("-placed_at", "-id")[:LIMIT])
    names = customer_names(actor=actor, customer_ids=[o.customer_id for o in rows])
    return [
        {
            "id": str(order.pk),
            "source": order.source,
            "number": order.external_id,
            "status": order.status,
            "status_label": str(order.get_status_display()),
            "placed_at": order.placed_at,
            "customer_id": str(order.customer_id),
            "customer": names.get(str(order.customer_id), ""),
        }
        for order in rows
    ]


def _tickets(actor: MaybeActor, query: str) -> list[dict[str, Any]]:
    number = TICKET_NUMBER.fullmatch(query)
    if number is None or not may(actor, "customers.view_customer"):
        return []
    found = tickets_by_id(actor, [number.group(1)])
    names = customer_names(actor=actor, customer_ids=[t.customer_id for t in found.values()])
    return [
        {
            "id": ticket.pk,
            "status": ticket.status,
            "status_label": str(ticket.get_status_display()),
            "due_at": ticket.due_at,
            "customer_id": str(ticket.customer_id),
            "customer": names.get(str(ticket.customer_id), ""),
        }
        for ticket in found.values()
    ]


def search_everything(*, actor: MaybeActor, query: str) -> SearchResults:
    """Customers, orders and tickets ``actor`` may see that match ``query`` (a few of each)."""
    query = clean_query(query)
    if not query:
        return SearchResults(query="")
    return SearchResults(
        query=query,
        customers=_customers(actor, query),
        orders=_orders(actor, query),
        tickets=_tickets(actor, query),
    )


def recent_customers(*, actor: MaybeActor, customer_ids: list[str]) -> list[dict[str, str]]:
    """The customers among ``customer_ids`` (most recent first) that the actor may still see."""
    names = customer_names(actor=actor, customer_ids=customer_ids)
    return [{"id": pk, "name": names[pk]} for pk in customer_ids if pk in names]
