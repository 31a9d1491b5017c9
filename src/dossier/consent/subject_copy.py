"""A customer's consent states and history, as their copy of their data shows it."""

from __future__ import annotations

from typing import Any

from dossier.consent.models import ConsentEvent
from dossier.consent.selectors import customer_states
from dossier.customers.models import Customer

# evidence keys that name staff, not the customer
_STAFF_EVIDENCE = ("staff", "requested_by")


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None else None


def _customer_evidence(evidence: dict[str, Any]) -> dict[str, Any]:
    """Evidence of a consent event without staff: a staff-recorded IP is the staff's own."""
    hidden = set(_STAFF_EVIDENCE)
    if "staff" in evidence:
        hidden |= {"ip", "user_agent"}
    return {k: v for k, v in evidence.items() if k not in hidden}


def consent_copy(customer: Customer) -> dict[str, Any]:
    """Current consent per purpose and channel, and every consent event, oldest first."""
    events = ConsentEvent.objects.filter(customer_id=customer.pk).select_related("purpose")
    return {
        "states": [
            {
                "purpose": state.purpose,
                "channel": state.channel,
                "status": state.status,
                "since": _iso(state.since),
                "source": state.source,
                "notice_version": state.notice_version,
            }
            for state in customer_states(customer)
        ],
        "history": [
            {
                "at": _iso(event.created_at),
                "purpose": event.purpose.key,
                "channel": event.channel,
                "action": event.action,
                "source": event.source,
                "notice_version": event.notice_version,
                "evidence": _customer_evidence(event.evidence or {}),
            }
            for event in events.order_by("id")
        ],
    }
