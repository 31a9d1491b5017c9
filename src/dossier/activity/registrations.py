"""The activity app's tables in the customer-data registry."""

from __future__ import annotations

from typing import Any

from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.customers.listing import Figure, register_figure
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows


def figures_copy(customer: Customer) -> dict[str, Any] | None:
    """The figures kept about the customer (their copy of their data)."""
    row = CustomerFigures.objects.filter(pk=customer.pk).first()
    if row is None:
        return None
    return {
        "first_purchase_at": row.first_purchase_at.isoformat() if row.first_purchase_at else None,
        "last_purchase_at": row.last_purchase_at.isoformat() if row.last_purchase_at else None,
        "order_count": row.order_count,
        "total_spend": str(row.total_spend),
        "return_count": row.return_count,
        "refund_total": str(row.refund_total),
        "complaint_count": row.complaint_count,
        "average_csat": str(row.average_csat) if row.average_csat is not None else None,
        "last_nps": row.last_nps,
        "open_tickets": row.open_tickets,
        "last_interaction_at": (
            row.last_interaction_at.isoformat() if row.last_interaction_at else None
        ),
    }


def _merge_figures(source_id: Any, target_id: Any) -> int:
    # the merged customer's figures go; the merge service recounts the survivor's with
    # refresh_figures once every table's rows have moved to it
    return int(CustomerFigures.objects.filter(pk=source_id).delete()[0])


def register_list_figures() -> None:
    """The figures the customer list shows, sorts and filters by (see ``customers.listing``)."""
    for key, attribute, kind in (
        ("last_purchase", "last_purchase_at", "datetime"),
        ("spend", "total_spend", "decimal"),
        ("orders", "order_count", "int"),
        ("last_interaction", "last_interaction_at", "datetime"),
    ):
        label = getattr(CustomerFigures._meta.get_field(attribute), "verbose_name", attribute)
        register_figure(Figure(key, label, "figures", attribute, kind))


def register_activity_tables() -> None:
    """Timeline entries point at other tables' rows: they go with erasure and move on merge.

    Figures are numbers (spend, counts), kept through erasure like the orders they sum.
    """
    register_list_figures()
    moves = repoint_rows(CustomerData(key="timeline", model=TimelineEntry))
    register(CustomerData(key="timeline", model=TimelineEntry, erasure="delete", repoint=moves))
    register(
        CustomerData(
            key="figures",
            model=CustomerFigures,
            export=figures_copy,
            erasure="keep",
            repoint=_merge_figures,
        )
    )
