"""Who may act on which data subject, and the request bookkeeping every privacy service shares.

Requests, erasure, export and self-service links all start here, so they agree on access:
the privacy permission first, then :func:`dossier.customers.access.restrict` for the
customer. Administrators also reach soft-deleted customers, whose data is still held and
still subject to requests (the same rule as restoring them).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached
from dossier.audit.services import record_audit
from dossier.core import roles
from dossier.core.actors import Actor, person
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import customer_for, may, restrict
from dossier.customers.models import Customer
from dossier.customers.values import personal_strings
from dossier.privacy.models import CustomerTombstone, SubjectRequest
from dossier.templates.selectors import version_info

HANDLE = "privacy.handle_subjectrequest"
ERASE = "privacy.erase_customer"

REQUEST_FIELD = FieldLabel("request_id", "请求", "Request")
CUSTOMER_FIELD = FieldLabel("customer_id", "客户", "Customer")


def is_admin(actor: Actor) -> bool:
    """Whether the actor is an administrator (sees every customer, deleted ones too)."""
    return bool(
        actor is not None
        and actor.is_authenticated
        and (actor.is_superuser or role_of_cached(actor) == roles.ADMIN)
    )


def visible_customers(actor: Actor, action: str = "view") -> QuerySet[Customer]:
    """The customers whose privacy matters the actor may handle."""
    if is_admin(actor):
        return Customer.objects.all()
    return restrict(Customer.objects.all(), actor, action)


def subject_customer(
    actor: Actor,
    customer_id: Any,
    *,
    permission: str = HANDLE,
    action: str = "view",
    for_update: bool = False,
) -> Customer:
    """The customer ``actor`` may handle with ``permission``; PermissionDenied or NotFound."""
    if not may(actor, permission):
        raise PermissionDenied(_("You may not handle data-subject requests."))
    # administrators handle requests about deleted customers too (their data is still held)
    return customer_for(
        actor, customer_id, action, lock=for_update, include_deleted=is_admin(actor)
    )


def is_erased(customer_id: Any) -> bool:
    """Whether the customer was erased (anonymised or deleted)."""
    return CustomerTombstone.objects.filter(customer_id=customer_id).exists()


def erased_among(customer_ids: Collection[Any]) -> set[Any]:
    """Which of these customers were erased (one query, for batches)."""
    return set(
        CustomerTombstone.objects.filter(customer_id__in=list(customer_ids)).values_list(
            "customer_id", flat=True
        )
    )


def refuse_if_erased(customer_id: Any) -> None:
    """Conflict for work on an erased customer: there is nothing left to act on."""
    if is_erased(customer_id):
        raise Conflict(_("This customer's personal data has been erased."), code="customer_erased")


def request_for(
    actor: Actor, request_id: Any, *, customer_id: Any = None, kind: str | None = None
) -> SubjectRequest:
    """An open request the actor may handle (locked), checked against customer and kind."""
    if not may(actor, HANDLE):
        raise PermissionDenied(_("You may not handle data-subject requests."))
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        raise NotFound(_("No such request."), code="request_not_found") from None
    request = SubjectRequest.objects.select_for_update().filter(pk=pk).first()
    if request is None or not (
        is_admin(actor) or visible_customers(actor).filter(pk=request.customer_id).exists()
    ):
        raise NotFound(_("No such request."), code="request_not_found")
    if customer_id is not None and str(request.customer_id) != str(customer_id):
        raise ValidationFailed(
            _("This request is about another customer."),
            errors=[FieldError("invalid_choice", spec=REQUEST_FIELD, value=str(request_id))],
        )
    if kind is not None and request.kind != kind:
        raise ValidationFailed(
            _("This request is of another kind."),
            errors=[FieldError("invalid_choice", spec=REQUEST_FIELD, value=str(request_id))],
        )
    if request.status != SubjectRequest.Status.OPEN:
        raise Conflict(_("This request is already closed."), code="request_closed")
    return request


def named_request(
    actor: Actor, request_id: Any, *, customer_id: Any, kind: str
) -> SubjectRequest | None:
    """The open request of ``kind`` a service answers when ``request_id`` names one, else None."""
    if request_id in (None, ""):
        return None
    return request_for(actor, request_id, customer_id=customer_id, kind=kind)


def close_request(
    request: SubjectRequest, *, actor: Actor, status: str, outcome: dict[str, Any] | None = None
) -> SubjectRequest:
    """Mark a (locked, open) request completed or refused; the caller audits it."""
    request.status = status
    request.closed_at = timezone.now()
    request.closed_by = person(actor)
    if outcome:
        request.outcome = {**request.outcome, **outcome}
    request.save(update_fields=["status", "closed_at", "closed_by", "outcome"])
    return request


def complete_answered(
    request: SubjectRequest | None, *, actor: Actor, outcome: dict[str, Any], reason: str = ""
) -> None:
    """Complete the request a service has just answered, if it answered one; audited."""
    if request is None:
        return
    close_request(request, actor=actor, status=SubjectRequest.Status.COMPLETED, outcome=outcome)
    record_audit(
        actor=actor,
        action="update",
        object_type="subject_request",
        object_id=request.pk,
        customer_id=request.customer_id,
        changes={"status": {"before": "open", "after": "completed"}},
        reason=reason,
    )


def forget_for(customer_id: Any) -> list[str]:
    """The customer's personal values an audit reason about them must not repeat."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return []
    return personal_strings(customer, version_info(customer.template_version_id).specs)
