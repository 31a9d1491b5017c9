"""The insights app's table in the customer-data registry: each buyer's scores.

Scores are profiling of a person (PIPL art. 24, GDPR art. 15(1)(h)): they are in the
customer's copy of their data, go on erasure, and a merged customer's scores go (the next
refresh scores the survivor from the merged figures).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register
from dossier.customers.sections import Section, register_section
from dossier.insights.churn import REASONS
from dossier.insights.models import CustomerScore
from dossier.insights.rfm import SEGMENT_NAMES


def scores_copy(customer: Customer) -> dict[str, Any] | None:
    """What the refresh worked out about the customer, in words as well as codes."""
    row = CustomerScore.objects.filter(pk=customer.pk).first()
    if row is None:
        return None
    return {
        "rfm": {"recency": row.r_score, "frequency": row.f_score, "monetary": row.m_score},
        "rfm_segment": row.rfm_segment,
        "rfm_segment_name": SEGMENT_NAMES.get(row.rfm_segment, ("", ""))[0],
        "grade": row.grade,
        "churn_risk": row.churn_risk,
        "churn_reasons": [REASONS.get(code, (code, code))[0] for code in row.churn_reasons],
        "p_alive": row.p_alive,
        "lifetime_value": str(row.clv) if row.clv is not None else None,
        "worked_out_at": row.refreshed_at.isoformat(),
    }


def _drop_merged(source_id: Any, target_id: Any) -> int:
    return int(CustomerScore.objects.filter(pk=source_id).delete()[0])


def register_insights_tables() -> None:
    register(
        CustomerData(
            key="scores",
            model=CustomerScore,
            export=scores_copy,
            erasure="delete",
            repoint=_drop_merged,
        )
    )


def _recommendations(request: HttpRequest, customer: Customer) -> dict[str, Any] | None:
    from dossier.insights.recommendations import recommendations_for

    found = recommendations_for(actor=request.user, customer_id=customer.pk)
    return {"recommendations": found} if found else None


def register_insights_sections() -> None:
    """The next-best products, with their reasons, beside a customer's profile."""
    register_section(
        Section(
            key="recommendations",
            template="insights/_recommendations.html",
            context=_recommendations,
            region="side",
            order=50,
        )
    )
