"""Data-subject requests (PIPL arts. 44–47, GDPR arts. 15–21): open, complete, refuse; the
restriction and objection they lead to; and the lists handlers work from.

The other rights live next door and are re-exported here: :func:`export_customer_data`
(access and copy, in ``data_export``) and :func:`erase_customer` (deletion, in ``erasure``).

Restriction and objection are :class:`ProcessingRestriction` rows. While one is active the
customer must be left out of marketing: :func:`exclude_restricted` is the queryset filter
every audience (the consent app's marketing export included) should apply, and
:func:`is_restricted` answers for one customer. Erased customers are left out too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import Actor, person
from dossier.core.errors import Conflict, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import may
from dossier.customers.models import Customer
from dossier.privacy.data_export import export_customer_data
from dossier.privacy.erasure import erase_customer
from dossier.privacy.models import (
    CustomerTombstone,
    ProcessingRestriction,
    SelfServiceLink,
    SubjectRequest,
)
from dossier.privacy.subjects import (
    ERASE,
    HANDLE,
    close_request,
    complete_answered,
    forget_for,
    is_admin,
    named_request,
    refuse_if_erased,
    request_for,
    subject_customer,
    visible_customers,
)

__all__ = [
    "complete_request",
    "erase_customer",
    "exclude_restricted",
    "export_customer_data",
    "is_restricted",
    "lift_restriction",
    "object_to_marketing",
    "open_request",
    "refuse_request",
    "request_list",
    "restrict_processing",
]

#: PIPL leaves the time to the handler; the national standard (GB/T 35273) says 15 days
DEFAULT_DUE_DAYS = 15
MAX_DUE_DAYS = 90
MARKETING_PURPOSE = "marketing"

KIND = FieldLabel("kind", "请求类型", "Kind of request")
VIA = FieldLabel("received_via", "收到方式", "Received via")
DUE = FieldLabel("due_in_days", "办理期限（天）", "Days to answer")
REASON = FieldLabel("reason", "拒绝理由", "Reason for refusal")
RECEIVED = FieldLabel("received_at", "收到时间", "Received at")
#: a request recorded late (a letter opened today) may be dated back this far
MAX_BACKDATE_DAYS = 365


def _audit(
    actor: Actor, request: SubjectRequest, changes: dict[str, Any], reason: str = ""
) -> None:
    record_audit(
        actor=actor,
        action="update" if request.status != SubjectRequest.Status.OPEN else "create",
        object_type="subject_request",
        object_id=request.pk,
        customer_id=request.customer_id,
        changes=changes,
        reason=reason,
        forget=forget_for(request.customer_id) if reason else (),
    )


@transaction.atomic
def open_request(
    *,
    actor: Actor,
    customer_id: Any,
    kind: str,
    received_via: str,
    due_in_days: int = DEFAULT_DUE_DAYS,
    note: str = "",
    received_at: Any = None,
) -> SubjectRequest:
    """Record a request from a customer; it is due ``due_in_days`` after it was received.

    ``received_at`` (default now) may lie up to a year back, for requests recorded late.
    """
    customer = subject_customer(actor, customer_id)
    errors = []
    if kind not in SubjectRequest.Kind.values:
        errors.append(FieldError("invalid_choice", spec=KIND, value=str(kind)[:32]))
    if received_via not in SubjectRequest.Via.values:
        errors.append(FieldError("invalid_choice", spec=VIA, value=str(received_via)[:32]))
    if isinstance(due_in_days, bool) or not isinstance(due_in_days, int):
        errors.append(FieldError("invalid_integer", spec=DUE))
    elif due_in_days < 1:
        errors.append(FieldError("too_small", spec=DUE, min=1))
    elif due_in_days > MAX_DUE_DAYS:
        errors.append(FieldError("too_large", spec=DUE, max=MAX_DUE_DAYS))
    now = timezone.now()
    received = received_at or now
    earliest = now - timedelta(days=MAX_BACKDATE_DAYS)
    if not earliest <= received <= now + timedelta(minutes=5):
        errors.append(
            FieldError(
                "date_out_of_range",
                spec=RECEIVED,
                min=timezone.localdate(earliest).isoformat(),
                max=timezone.localdate(now).isoformat(),
            )
        )
    if errors:
        raise ValidationFailed(_("The request could not be recorded."), errors=errors)
    request = SubjectRequest.objects.create(
        customer_id=customer.pk,
        kind=kind,
        received_via=received_via,
        received_at=received,
        due_at=received + timedelta(days=due_in_days),
        note=str(note or "")[:5000],
        opened_by=person(actor),
    )
    _audit(actor, request, {"kind": kind, "received_via": received_via, "due_in_days": due_in_days})
    return request


# Kinds whose completion must leave a trace in the data first: the service that does the
# work completes them (erase_customer, restrict_processing, object_to_marketing).
_DONE_BY: dict[str, Callable[[SubjectRequest], bool]] = {
    SubjectRequest.Kind.DELETION: lambda r: CustomerTombstone.objects.filter(
        customer_id=r.customer_id
    ).exists(),
    SubjectRequest.Kind.RESTRICTION: lambda r: _active(r.customer_id, "all").exists(),
    SubjectRequest.Kind.OBJECTION: lambda r: _active(r.customer_id, "marketing").exists(),
}


@transaction.atomic
def complete_request(*, actor: Actor, request_id: Any, note: str = "") -> SubjectRequest:
    """Close a request as done (a deletion only once the customer is erased, and so on)."""
    request = request_for(actor, request_id)
    done = _DONE_BY.get(request.kind)
    if done is not None and not done(request):
        raise Conflict(
            _("Do what was asked first: erase, restrict or record the objection."),
            code="request_not_done",
        )
    outcome = {"note": str(note)[:500]} if note else None
    close_request(request, actor=actor, status=SubjectRequest.Status.COMPLETED, outcome=outcome)
    _audit(actor, request, {"status": {"before": "open", "after": "completed"}})
    return request


@transaction.atomic
def refuse_request(*, actor: Actor, request_id: Any, reason: str) -> SubjectRequest:
    """Refuse a request; the reason is required and is what the customer will be told."""
    text = str(reason or "").strip()
    if not text:
        raise ValidationFailed(
            _("A refusal needs a reason."), errors=[FieldError("required", spec=REASON)]
        )
    request = request_for(actor, request_id)
    request.refusal_reason = text[:2000]
    request.save(update_fields=["refusal_reason"])
    close_request(request, actor=actor, status=SubjectRequest.Status.REFUSED)
    _audit(actor, request, {"status": {"before": "open", "after": "refused"}}, reason=text)
    return request


# ---- restriction and objection ---------------------------------------------------------------


def _active(customer_id: Any, scope: str) -> QuerySet[ProcessingRestriction]:
    return ProcessingRestriction.objects.filter(
        customer_id=customer_id, scope=scope, lifted_at__isnull=True
    )


def is_restricted(customer_id: Any, *, purpose: str = MARKETING_PURPOSE) -> bool:
    """Whether the customer must be left out of ``purpose`` (restricted, objected or erased)."""
    return not exclude_restricted(Customer.objects.filter(pk=customer_id), purpose=purpose).exists()


def exclude_restricted(
    queryset: QuerySet[Customer], *, purpose: str = MARKETING_PURPOSE
) -> QuerySet[Customer]:
    """The customers in ``queryset`` that may be used for ``purpose``.

    A restriction (scope "all") excludes a customer from every purpose; an objection (scope
    "marketing") from marketing. Erased customers are excluded from everything.
    """
    scopes = ["all", "marketing"] if purpose == MARKETING_PURPOSE else ["all"]
    active = ProcessingRestriction.objects.filter(lifted_at__isnull=True, scope__in=scopes)
    return queryset.exclude(id__in=active.values("customer_id")).exclude(
        id__in=CustomerTombstone.objects.values("customer_id")
    )


def _start(
    *, actor: Actor, customer: Customer, scope: str, reason: str, request: SubjectRequest | None
) -> ProcessingRestriction:
    try:
        with transaction.atomic():
            return ProcessingRestriction.objects.create(
                customer_id=customer.pk,
                scope=scope,
                reason=str(reason or "")[:500],
                request=request,
                started_by=person(actor),
            )
    except IntegrityError:
        raise Conflict(
            _("This is already recorded for the customer."), code="already_active"
        ) from None


@transaction.atomic
def restrict_processing(
    *, actor: Actor, customer_id: Any, reason: str = "", request_id: Any = None
) -> ProcessingRestriction:
    """Hold a customer's data without processing it (hidden from marketing) until lifted."""
    customer = subject_customer(actor, customer_id, action="change", for_update=True)
    refuse_if_erased(customer.pk)
    request = named_request(
        actor, request_id, customer_id=customer.pk, kind=SubjectRequest.Kind.RESTRICTION
    )
    restriction = _start(
        actor=actor, customer=customer, scope="all", reason=reason, request=request
    )
    record_audit(
        actor=actor,
        action="update",
        object_type="processing_restriction",
        object_id=restriction.pk,
        customer_id=customer.pk,
        changes={"restricted": {"before": False, "after": True}, "scope": "all"},
        reason=restriction.reason,
        forget=forget_for(customer.pk),
    )
    complete_answered(request, actor=actor, outcome={"restriction": restriction.pk})
    return restriction


@transaction.atomic
def lift_restriction(
    *, actor: Actor, customer_id: Any, scope: str = "all", reason: str = ""
) -> ProcessingRestriction:
    """End a restriction (or, with scope "marketing", an objection)."""
    customer = subject_customer(actor, customer_id, action="change", for_update=True)
    restriction = _active(customer.pk, scope).select_for_update().first()
    if restriction is None:
        raise Conflict(_("Nothing to lift: no such restriction is active."), code="not_active")
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = person(actor)
    restriction.save(update_fields=["lifted_at", "lifted_by"])
    record_audit(
        actor=actor,
        action="update",
        object_type="processing_restriction",
        object_id=restriction.pk,
        customer_id=customer.pk,
        changes={"restricted": {"before": True, "after": False}, "scope": scope},
        reason=str(reason or "")[:500],
        forget=forget_for(customer.pk),
    )
    return restriction


def _withdraw_marketing(actor: Actor, customer: Customer) -> list[str]:
    """Withdraw marketing consent on every channel through the consent ledger, if installed."""
    if not apps.is_installed("dossier.consent"):
        return []
    from dossier.consent import selectors as consent_selectors
    from dossier.consent import services as consent_services

    if not may(actor, "consent.manage_consent"):
        raise PermissionDenied(
            _("Recording an objection withdraws marketing consent: you may not record consent.")
        )
    purpose = consent_selectors.purpose_list().filter(key=MARKETING_PURPOSE).first()
    if purpose is None:
        return []
    channels = purpose.channels()
    for channel in channels:
        consent_services.withdraw_consent(
            actor=actor,
            customer_id=customer.pk,
            purpose=purpose,
            channel=channel,
            source="staff",
            evidence={"reference": "data subject objection"},
        )
    return channels


@transaction.atomic
def object_to_marketing(
    *, actor: Actor, customer_id: Any, reason: str = "", request_id: Any = None
) -> ProcessingRestriction:
    """Record the customer's objection to marketing; marketing consent is withdrawn everywhere.

    The objection stays in force (the customer is left out of marketing) until lifted,
    whatever the consent ledger says later.
    """
    customer = subject_customer(actor, customer_id, action="change", for_update=True)
    refuse_if_erased(customer.pk)
    request = named_request(
        actor, request_id, customer_id=customer.pk, kind=SubjectRequest.Kind.OBJECTION
    )
    objection = _start(
        actor=actor, customer=customer, scope="marketing", reason=reason, request=request
    )
    withdrawn = _withdraw_marketing(actor, customer)
    record_audit(
        actor=actor,
        action="update",
        object_type="processing_restriction",
        object_id=objection.pk,
        customer_id=customer.pk,
        changes={"objection": "marketing", "consent_withdrawn": withdrawn},
        reason=objection.reason,
        forget=forget_for(customer.pk),
    )
    complete_answered(request, actor=actor, outcome={"consent_withdrawn": withdrawn})
    return objection


# ---- reads -----------------------------------------------------------------------------------


@dataclass
class RequestFilters:
    """Filters of the request list (every one optional)."""

    status: str = ""
    kind: str = ""
    customer_id: str = ""
    overdue: bool = False


def request_list(
    *, actor: Actor, filters: RequestFilters | None = None
) -> QuerySet[SubjectRequest]:
    """Requests about customers the actor may handle, soonest due first."""
    if not may(actor, HANDLE):
        raise PermissionDenied(_("You may not handle data-subject requests."))
    filters = filters or RequestFilters()
    requests = SubjectRequest.objects.select_related("opened_by", "closed_by")
    if not is_admin(actor):
        requests = requests.filter(customer_id__in=visible_customers(actor).values("id"))
    if filters.status:
        requests = requests.filter(status=filters.status)
    if filters.kind:
        requests = requests.filter(kind=filters.kind)
    if filters.customer_id:
        requests = requests.filter(customer_id=filters.customer_id)
    if filters.overdue:
        requests = requests.filter(status=SubjectRequest.Status.OPEN, due_at__lt=timezone.now())
    return requests.order_by("due_at", "id")


def restriction_list(*, actor: Actor, customer_id: Any) -> QuerySet[ProcessingRestriction]:
    """The restrictions and objections of a customer the actor may handle, newest first."""
    customer = subject_customer(actor, customer_id)
    return ProcessingRestriction.objects.filter(customer_id=customer.pk)


def customer_privacy(*, actor: Actor, customer_id: Any) -> dict[str, Any]:
    """What the privacy page of a customer shows: requests, restrictions, erasure, link."""
    customer = subject_customer(actor, customer_id)
    restrictions = list(ProcessingRestriction.objects.filter(customer_id=customer.pk))
    return {
        "customer": customer,
        "requests": SubjectRequest.objects.filter(customer_id=customer.pk).order_by(
            "-received_at", "-id"
        ),
        "restrictions": restrictions,
        "active_scopes": {r.scope for r in restrictions if r.lifted_at is None},
        "tombstone": CustomerTombstone.objects.filter(customer_id=customer.pk).first(),
        "link": SelfServiceLink.objects.filter(customer_id=customer.pk).first(),
        "may_erase": may(actor, ERASE),
    }
