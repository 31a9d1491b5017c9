"""REST endpoints of the consent ledger (mounted at /api/v1/consent). Thin: parse, call, return."""

from __future__ import annotations

import csv
import ipaddress
from collections.abc import Callable, Iterable, Iterator
from typing import Annotated, Any
from uuid import UUID

from django.http import StreamingHttpResponse
from ninja import Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.consent import selectors, services
from dossier.consent.models import CONTACT_CHANNELS
from dossier.consent.schemas import (
    ConfirmIn,
    ConsentRequestOut,
    CustomerConsentOut,
    DoubleOptInIn,
    EventOut,
    EvidenceIn,
    GrantIn,
    PurposeOut,
    WithdrawIn,
)
from dossier.core.pages import client_ip
from dossier.core.schemas import ERRORS, OneOf

router = Router(tags=["consent"])
CSV_RESPONSE = {
    "responses": {
        200: {
            "description": "CSV: id, display_name, contact",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


def _address(value: Any) -> str | None:
    try:
        return str(ipaddress.ip_address(str(value).strip())) if value else None
    except ValueError:
        return None


def _evidence(evidence: EvidenceIn | None) -> dict[str, Any]:
    return evidence.dict(exclude_none=True) if evidence is not None else {}


@router.get("/purposes", response={200: list[PurposeOut], **ERRORS})
def list_purposes(request: ApiRequest) -> Any:
    """What customers can consent to."""
    return [{**_purpose(p), "channels": p.channels()} for p in selectors.purpose_list()]


def _purpose(purpose: Any) -> dict[str, Any]:
    fields = ("key", "name_zh", "name_en", "description_zh", "description_en")
    flags = ("sensitive_data", "requires_double_opt_in", "per_channel")
    return {name: getattr(purpose, name) for name in (*fields, *flags)}


@router.get("/customers/{customer_id}", response={200: CustomerConsentOut, **ERRORS})
def customer_consent(request: ApiRequest, customer_id: UUID) -> Any:
    """A customer's current consent per purpose × channel, and the events behind it."""
    panel = selectors.consent_panel(actor=request.user, customer_id=customer_id)
    states = [cell for row in panel["rows"] for cell in row["cells"]]
    return {"customer_id": str(customer_id), "status": states, "history": panel["history"]}


def _event(event: Any, request: ApiRequest) -> dict[str, Any]:
    return selectors.present_event(event, request.user)


def _record(
    record: Callable[..., Any], request: ApiRequest, customer_id: UUID, payload: GrantIn
) -> Any:
    """Record a grant or a withdrawal with the service ``record``; answer 201 with the event."""
    event = record(
        actor=request.user,
        customer_id=customer_id,
        purpose=payload.purpose,
        channel=payload.channel,
        source=payload.source,
        notice_version=payload.notice_version,
        evidence=_evidence(payload.evidence),
    )
    return Status(201, _event(event, request))


@router.post("/customers/{customer_id}/grant", response={201: EventOut, **ERRORS})
def grant(request: ApiRequest, customer_id: UUID, payload: GrantIn) -> Any:
    """Record a grant. Purposes that require double opt-in refuse source `form` and `api`."""
    return _record(services.grant_consent, request, customer_id, payload)


@router.post("/customers/{customer_id}/withdraw", response={201: EventOut, **ERRORS})
def withdraw(request: ApiRequest, customer_id: UUID, payload: WithdrawIn) -> Any:
    """Record a withdrawal (or refusal); it takes effect at once everywhere."""
    return _record(services.withdraw_consent, request, customer_id, payload)


@router.post("/customers/{customer_id}/double-opt-in", response={202: ConsentRequestOut, **ERRORS})
def double_opt_in(request: ApiRequest, customer_id: UUID, payload: DoubleOptInIn) -> Any:
    """Send the customer a confirmation code; consent is granted when they confirm it."""
    started = services.start_double_opt_in(
        actor=request.user,
        customer_id=customer_id,
        purpose=payload.purpose,
        channel=payload.channel,
        notice_version=payload.notice_version,
        deliver_via=payload.deliver_via,
        evidence=_evidence(payload.evidence),
    )
    return Status(
        202,
        {
            "confirmation_id": started.confirmation.pk,
            "event_id": started.event.pk,
            "deliver_via": started.deliver_via,
            "expires_at": started.expires_at,
        },
    )


@router.post("/confirm", response={201: EventOut, **ERRORS})
def confirm(request: ApiRequest, payload: ConfirmIn) -> Any:
    """Confirm a double opt-in with the customer's code (your landing page calls this).

    Wrong codes are counted per customer address (``evidence.ip``, else the caller's) and per
    code; past a few, a 429 with ``Retry-After`` says how long to wait.
    """
    evidence = _evidence(payload.evidence)
    event = services.confirm_double_opt_in(
        code=payload.code,
        evidence=evidence,
        actor=request.user,
        client_ip=_address(evidence.get("ip")) or client_ip(request),
    )
    return Status(201, _event(event, request))


class _Line:
    """A file-like object whose write returns the line, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def _safe(value: str) -> str:
    # a cell a spreadsheet would run as a formula is kept as text
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv(rows: Iterable[dict[str, Any]], *, raw_contact: bool) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(["id", "display_name", "contact"])  # BOM: Excel, WPS
    for row in rows:
        contact = row["contact"] if raw_contact else _safe(row["contact"])
        yield writer.writerow([row["id"], _safe(row["display_name"]), contact])


@router.get("/marketing-export", response=ERRORS, openapi_extra=CSV_RESPONSE)
def marketing_export(
    request: ApiRequest,
    channel: Annotated[str, OneOf(CONTACT_CHANNELS)],
    purpose: str = selectors.MARKETING,
) -> Any:
    """CSV of the customers you may export who consented to `purpose` on `channel`.

    Customers who never consented, or withdrew, are left out. Contacts are masked unless you
    may see personal data. Every export is audited.
    """
    export = services.export_marketing_audience(
        actor=request.user,
        purpose=purpose,
        channel=channel,
        ip=request.META.get("REMOTE_ADDR"),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )
    # phone numbers are validated (+8613800138000), never formulas; keep them dialable
    raw = export.channel in ("sms", "phone")
    response = StreamingHttpResponse(
        _csv(export.rows, raw_contact=raw), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{export.purpose}-{export.channel}.csv"'
    )
    response["X-Total-Count"] = str(export.count)
    return response
