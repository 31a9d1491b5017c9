"""REST endpoints of the 360 view (mounted at /api/v1/customers beside the customers' own)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from ninja import Query, Router

from dossier.accounts.auth import ApiRequest
from dossier.activity.selectors import figures_of
from dossier.core.keyset import TimeCursor
from dossier.core.schemas import ERRORS
from dossier.overview import selectors
from dossier.overview.schemas import FiguresOut, TimelinePageOut

router = Router(tags=["customer 360"])


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(Decimal("0.01")))


@router.get("/{customer_id}/timeline", response={200: TimelinePageOut, **ERRORS})
def customer_timeline(
    request: ApiRequest,
    customer_id: UUID,
    kinds: str = Query("", max_length=300, description="Comma-separated kinds: `order,ticket`."),
    cursor: TimeCursor = "",
    limit: int = Query(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_LIMIT),
) -> Any:
    """The customer's timeline, newest first, paged by cursor, optionally of some kinds only."""
    timeline = selectors.timeline_of(
        actor=request.user,
        customer_id=customer_id,
        kinds=[key.strip() for key in kinds.split(",") if key.strip()],
        cursor=cursor or None,
        limit=limit,
    )
    return {
        "items": [
            {
                "id": line.entry.pk,
                "kind": line.entry.kind,
                "kind_label": line.label,
                "object_id": line.entry.object_id,
                "occurred_at": line.entry.occurred_at,
                "summary": line.entry.summary,
            }
            for line in timeline.lines
        ],
        "next_cursor": timeline.next_cursor,
        "kinds": [{"key": kind.key, "label": str(kind.label)} for kind in timeline.kinds],
    }


@router.get("/{customer_id}/figures", response={200: FiguresOut, **ERRORS})
def customer_figures(request: ApiRequest, customer_id: UUID) -> Any:
    """The customer's key figures, kept current by the services that write (0 / null before
    anything happened)."""
    row = figures_of(actor=request.user, customer_id=customer_id)
    csat = row.average_csat
    return {
        "customer_id": str(row.customer_id),
        "currency": "CNY",
        "order_count": row.order_count,
        "total_spend": _amount(row.total_spend),
        "average_order_value": _amount(row.average_order_value),
        "first_purchase_at": row.first_purchase_at,
        "last_purchase_at": row.last_purchase_at,
        "return_count": row.return_count,
        "refund_total": _amount(row.refund_total),
        "complaint_count": row.complaint_count,
        "open_tickets": row.open_tickets,
        "last_interaction_at": row.last_interaction_at,
        "average_csat": str(csat) if csat is not None else None,
        "csat_count": row.csat_count,
        "last_nps": row.last_nps,
        "last_nps_at": row.last_nps_at,
    }
