"""Small builders of the orders tests."""

from __future__ import annotations

from typing import Any

PLACED = "2026-03-01T10:00:00+08:00"


def line(sku: str = "MI-14", qty: int = 1, price: str = "3999.00", **extra: Any) -> dict[str, Any]:
    return {"sku": sku, "qty": qty, "unit_price": price, **extra}


def order(
    customer: Any = None,
    external_id: str = "T-1",
    *,
    status: str = "paid",
    lines: list[dict[str, Any]] | None = None,
    source: str = "tmall",
    **extra: Any,
) -> dict[str, Any]:
    """An order's values as the API takes them (for ``customer``, unless another ref is given)."""
    values: dict[str, Any] = {
        "source": source,
        "external_id": external_id,
        "channel": "web",
        "placed_at": PLACED,
        "status": status,
        "lines": lines if lines is not None else [line(), line("MENGNIU-1L", 2, "12.50")],
        **extra,
    }
    if customer is not None and not {"phone", "email", "customer_external_id"} & set(extra):
        values["customer_id"] = str(customer.pk)
    return values
