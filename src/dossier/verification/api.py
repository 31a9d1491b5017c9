"""REST endpoints of contact verification (mounted at /api/v1/verification). Thin."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ninja import Query, Router

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, ErrorOut
from dossier.customers.access import customer_for
from dossier.templates.selectors import get_template
from dossier.verification import selectors, services
from dossier.verification.models import ContactVerification
from dossier.verification.schemas import (
    CodeSentOut,
    ConfirmIn,
    RecordIn,
    RequiredIn,
    RequiredOut,
    StateOut,
    UnverifiedOut,
    VerifiedOut,
)

router = Router(tags=["verification"])
LIMITED = {429: ErrorOut, **ERRORS}


def _verified(v: ContactVerification) -> dict[str, Any]:
    return {"field": v.field, "verified_at": v.verified_at, "method": v.method}


@router.get("/customers/{customer_id}", response={200: StateOut, **ERRORS})
def customer_state(request: ApiRequest, customer_id: UUID) -> Any:
    """Each phone and e-mail field of a customer you may see: verified or not, when, how."""
    customer = customer_for(request.user, customer_id, "view")
    state = selectors.verification_state(customer)
    required = selectors.required_fields(customer.template_id)
    return {
        "customer_id": str(customer.pk),
        "fields": [{"field": key, **value} for key, value in state.items()],
        "required": required,
        "active_ready": all(k in state and state[k]["verified"] for k in required),
    }


@router.post("/customers/{customer_id}/{field}/start", response={200: CodeSentOut, **LIMITED})
def start(request: ApiRequest, customer_id: UUID, field: str) -> Any:
    """Send a one-time code to the field's current value (you must be able to change the
    customer). A newer code replaces older ones; a few per hour at most (429)."""
    sent = services.start_verification(actor=request.user, customer_id=customer_id, field=field)
    return {"field": sent.field, "via": sent.via, "expires_at": sent.expires_at}


@router.post("/customers/{customer_id}/{field}/confirm", response={200: VerifiedOut, **LIMITED})
def confirm(request: ApiRequest, customer_id: UUID, field: str, payload: ConfirmIn) -> Any:
    """The code the customer read back to you: the value is verified (422 on `code` if not)."""
    made = services.confirm_verification(
        actor=request.user, customer_id=customer_id, field=field, code=payload.code
    )
    return _verified(made)


@router.post("/customers/{customer_id}/{field}/record", response={200: VerifiedOut, **ERRORS})
def record(request: ApiRequest, customer_id: UUID, field: str, payload: RecordIn) -> Any:
    """Record a verification without a code: by a phone call (`staff_call`) or an `import`."""
    made = services.record_verification(
        actor=request.user,
        customer_id=customer_id,
        field=field,
        method=payload.method,
        note=payload.note,
    )
    return _verified(made)


@router.get("/templates/{key}/required", response={200: RequiredOut, **ERRORS})
def required(request: ApiRequest, key: str) -> Any:
    """The fields a template's customers must have verified before they count as active."""
    template = get_template(key=key)
    return {"template": template.key, "fields": selectors.required_fields(template.pk)}


@router.put("/templates/{key}/required", response={200: RequiredOut, **ERRORS})
def set_required(request: ApiRequest, key: str, payload: RequiredIn) -> Any:
    """Replace the list of fields that must be verified (those who may change templates)."""
    fields = services.set_required_verifications(
        actor=request.user, template_key=key, fields=payload.fields
    )
    return {"template": key, "fields": fields}


@router.get("/unverified-active", response={200: list[UnverifiedOut], **ERRORS})
def unverified_active(request: ApiRequest, limit: int = Query(100, ge=1, le=500)) -> Any:
    """Active customers you may see whose template's required fields are not verified."""
    found = selectors.active_without_verification(actor=request.user)[:limit]
    return [
        {
            "customer_id": str(c.pk),
            "display_name": c.display_name,
            "template": c.template.key,
            "missing": selectors.missing_verifications(c),
        }
        for c in found
    ]
