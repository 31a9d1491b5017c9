"""The privacy app's tables in the customer-data registry, and its purpose filter."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dossier.audit.models import AuditEvent
from dossier.customers.models import Customer
from dossier.customers.registry import (
    CustomerData,
    register,
    register_purpose_filter,
    repoint_rows,
)
from dossier.privacy.models import (
    CustomerTombstone,
    ProcessingRestriction,
    SelfServiceLink,
    SubjectRequest,
)
from dossier.privacy.requests import exclude_restricted


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def requests_copy(customer: Customer) -> list[dict[str, Any]]:
    """The customer's data-subject requests and their outcomes."""
    requests = SubjectRequest.objects.filter(customer_id=customer.pk).order_by("received_at", "id")
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "status": r.status,
            "received_via": r.received_via,
            "received_at": _iso(r.received_at),
            "due_at": _iso(r.due_at),
            "closed_at": _iso(r.closed_at),
            "note": r.note,
            "refusal_reason": r.refusal_reason,
        }
        for r in requests
    ]


def restrictions_copy(customer: Customer) -> list[dict[str, Any]]:
    """Restrictions of processing and objections, started and lifted."""
    restrictions = ProcessingRestriction.objects.filter(customer_id=customer.pk).order_by("id")
    return [
        {
            "scope": r.scope,
            "reason": r.reason,
            "started_at": _iso(r.started_at),
            "lifted_at": _iso(r.lifted_at),
        }
        for r in restrictions
    ]


def erasure_copy(customer: Customer) -> dict[str, Any] | None:
    """When and why the customer's data was erased, if it was."""
    tombstone = CustomerTombstone.objects.filter(customer_id=customer.pk).first()
    if tombstone is None:
        return None
    return {
        "erased_at": _iso(tombstone.erased_at),
        "cause": tombstone.cause,
        "mode": tombstone.mode,
        "fields": tombstone.fields,
    }


def audit_copy(customer: Customer) -> list[dict[str, Any]]:
    """What was done with the customer's data: when, what, which fields; never by whom."""
    events = AuditEvent.objects.filter(customer_id=customer.pk).order_by("at", "id")
    return [
        {
            "at": _iso(event.at),
            "action": event.action,
            "object_type": event.object_type,
            "fields": sorted(str(key) for key in (event.changes or {})),
            "by": "staff" if event.actor_name else "system",
            "reason": event.reason,
        }
        for event in events
    ]


def _restricted_out(customers: QuerySet[Customer], purpose: str) -> QuerySet[Customer]:
    return exclude_restricted(customers, purpose=purpose)


def register_privacy_tables() -> None:
    """Requests, restrictions and tombstones are evidence: exported, kept through erasure."""
    register(
        CustomerData(key="requests", model=SubjectRequest, export=requests_copy, erasure="keep")
    )
    restrictions = CustomerData(
        key="restrictions", model=ProcessingRestriction, export=restrictions_copy, erasure="keep"
    )
    # a restriction binds the person, so the surviving record of a merge carries it
    register(
        CustomerData(
            key=restrictions.key,
            model=restrictions.model,
            export=restrictions.export,
            erasure="keep",
            repoint=repoint_rows(restrictions),
        )
    )
    register(
        CustomerData(key="erasure", model=CustomerTombstone, export=erasure_copy, erasure="keep")
    )
    # a live self-service link would show the erased profile: it goes with the data
    register(CustomerData(key="self_service_links", model=SelfServiceLink, erasure="delete"))
    # the audit log is written by every app; the privacy app answers for its part of a copy
    register(CustomerData(key="audit", model=AuditEvent, export=audit_copy, erasure="keep"))
    register_purpose_filter(_restricted_out)
