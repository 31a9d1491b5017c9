"""REST endpoints of the privacy app, mounted at /api/v1/privacy (thin: parse, call, return)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from django.urls import reverse
from ninja import Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, OneOf, RecordId
from dossier.privacy import requests as subject_requests
from dossier.privacy import retention, selfservice
from dossier.privacy.models import ProcessingRestriction, SubjectRequest
from dossier.privacy.schemas import (
    CompleteIn,
    EraseIn,
    LiftIn,
    LinkIn,
    LinkOut,
    PolicyIn,
    PolicyOut,
    RefuseIn,
    RequestIn,
    RequestOut,
    RestrictIn,
    RestrictionOut,
    RetentionReportOut,
    TombstoneOut,
)

router = Router(tags=["privacy"])


def _request(item: SubjectRequest) -> dict[str, Any]:
    return {
        "id": item.pk,
        "customer_id": str(item.customer_id),
        "kind": item.kind,
        "status": item.status,
        "received_via": item.received_via,
        "received_at": item.received_at,
        "due_at": item.due_at,
        "overdue": item.overdue,
        "closed_at": item.closed_at,
        "note": item.note,
        "refusal_reason": item.refusal_reason,
        "outcome": item.outcome,
    }


def _restriction(item: ProcessingRestriction) -> dict[str, Any]:
    return {
        "id": item.pk,
        "customer_id": str(item.customer_id),
        "scope": item.scope,
        "reason": item.reason,
        "started_at": item.started_at,
        "lifted_at": item.lifted_at,
    }


@router.get("/requests", response={200: list[RequestOut], **ERRORS})
def list_requests(
    request: ApiRequest,
    status: Annotated[str, OneOf(SubjectRequest.Status.values, checked=True)] | None = None,
    kind: Annotated[str, OneOf(SubjectRequest.Kind.values, checked=True)] | None = None,
    customer_id: UUID | None = None,
    overdue: bool = False,
) -> Any:
    """Data-subject requests about customers you may handle, soonest due first."""
    filters = subject_requests.RequestFilters(
        status=status or "", kind=kind or "", customer_id=str(customer_id or ""), overdue=overdue
    )
    items = subject_requests.request_list(actor=request.user, filters=filters)[:500]
    return [_request(item) for item in items]


@router.post("/requests", response={201: RequestOut, **ERRORS})
def open_request(request: ApiRequest, payload: RequestIn) -> Any:
    """Record a request; it is due `due_in_days` days after it was received."""
    item = subject_requests.open_request(actor=request.user, **payload.dict())
    return Status(201, _request(item))


@router.post("/requests/{request_id}/complete", response={200: RequestOut, **ERRORS})
def complete_request(request: ApiRequest, request_id: RecordId, payload: CompleteIn) -> Any:
    """Close a request as done (deletion, restriction and objection: once done)."""
    item = subject_requests.complete_request(
        actor=request.user, request_id=request_id, note=payload.note
    )
    return _request(item)


@router.post("/requests/{request_id}/refuse", response={200: RequestOut, **ERRORS})
def refuse_request(request: ApiRequest, request_id: RecordId, payload: RefuseIn) -> Any:
    """Refuse a request; `reason` is required."""
    item = subject_requests.refuse_request(
        actor=request.user, request_id=request_id, reason=payload.reason
    )
    return _request(item)


@router.get("/customers/{customer_id}/export", response={200: dict[str, Any], **ERRORS})
def export_customer(
    request: ApiRequest, customer_id: UUID, request_id: RecordId | None = None
) -> Any:
    """Everything held about a customer, unmasked, for the customer (audited)."""
    return subject_requests.export_customer_data(
        actor=request.user, customer_id=customer_id, request_id=request_id
    )


@router.post("/customers/{customer_id}/erase", response={200: TombstoneOut, **ERRORS})
def erase_customer(request: ApiRequest, customer_id: UUID, payload: EraseIn) -> Any:
    """Anonymise a customer's personal data in place (the row and general figures stay)."""
    tombstone = subject_requests.erase_customer(
        actor=request.user, customer_id=customer_id, request_id=payload.request_id
    )
    return {
        "customer_id": str(tombstone.customer_id),
        "erased_at": tombstone.erased_at,
        "cause": tombstone.cause,
        "mode": tombstone.mode,
        "fields": tombstone.fields,
    }


@router.post("/customers/{customer_id}/restrict", response={201: RestrictionOut, **ERRORS})
def restrict_customer(request: ApiRequest, customer_id: UUID, payload: RestrictIn) -> Any:
    """Restrict processing: the data is kept but left out of marketing and retention."""
    item = subject_requests.restrict_processing(
        actor=request.user, customer_id=customer_id, **payload.dict()
    )
    return Status(201, _restriction(item))


@router.post("/customers/{customer_id}/lift-restriction", response={200: RestrictionOut, **ERRORS})
def lift_restriction(request: ApiRequest, customer_id: UUID, payload: LiftIn) -> Any:
    """End a restriction (scope "all") or an objection (scope "marketing")."""
    item = subject_requests.lift_restriction(
        actor=request.user, customer_id=customer_id, **payload.dict()
    )
    return _restriction(item)


@router.post("/customers/{customer_id}/object", response={201: RestrictionOut, **ERRORS})
def object_to_marketing(request: ApiRequest, customer_id: UUID, payload: RestrictIn) -> Any:
    """Record an objection to marketing; marketing consent is withdrawn on every channel."""
    item = subject_requests.object_to_marketing(
        actor=request.user, customer_id=customer_id, **payload.dict()
    )
    return Status(201, _restriction(item))


@router.post("/customers/{customer_id}/self-service-link", response={201: LinkOut, **ERRORS})
def issue_link(request: ApiRequest, customer_id: UUID, payload: LinkIn) -> Any:
    """A link the customer opens to see and correct their data; older links stop working."""
    link = selfservice.issue_self_service_link(
        actor=request.user, customer_id=customer_id, days=payload.days
    )
    url = request.build_absolute_uri(reverse("privacy:self_service", args=[link.token]))
    return Status(201, {"url": url, "expires_at": link.expires_at})


@router.get("/retention/policies", response={200: list[PolicyOut], **ERRORS})
def list_policies(request: ApiRequest) -> Any:
    return list(retention.policy_list(actor=request.user))


@router.post("/retention/policies", response={200: PolicyOut, **ERRORS})
def set_policy(request: ApiRequest, payload: PolicyIn) -> Any:
    """Set a category's retention; the audit log cannot be kept less than 36 months."""
    return retention.set_retention_policy(actor=request.user, **payload.dict())


@router.post("/retention/run", response={200: RetentionReportOut, **ERRORS})
def run_retention(request: ApiRequest, dry_run: bool = True) -> Any:
    """Enforce the retention policies now; `dry_run` (the default) only reports."""
    return retention.apply_retention(actor=request.user, dry_run=dry_run).as_dict()
