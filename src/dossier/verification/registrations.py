"""What the verification app plugs into: the customer-data registry and the customer's page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language

from dossier.customers.access import allows
from dossier.customers.duplicates import register_change_check, register_entry_check
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register
from dossier.customers.sections import Section, register_section
from dossier.verification import selectors
from dossier.verification.models import ContactVerification, VerificationCode
from dossier.verification.services.rules import (
    check_active_ready,
    refuse_unverified_active_at_entry,
)


def verifications_copy(customer: Customer) -> list[dict[str, Any]]:
    """Which contact values were verified, when and how (the values are in the profile)."""
    rows = ContactVerification.objects.filter(customer_id=customer.pk).order_by("verified_at")
    current = selectors.current_digests(customer.pk)
    return [
        {
            "field": v.field,
            "verified_at": v.verified_at.isoformat(),
            "method": v.method,
            "current": current.get(v.field) == v.digest,
        }
        for v in rows
    ]


def _move_verifications(source_id: Any, target_id: Any) -> int:
    """Merge: the survivor keeps the merged customer's verifications it has not got already;
    they count only where the survivor's value is the same (the digests say so)."""
    held = set(
        ContactVerification.objects.filter(customer_id=target_id).values_list("field", "digest")
    )
    moved = 0
    for v in ContactVerification.objects.filter(customer_id=source_id):
        if (v.field, v.digest) not in held:
            v.customer_id = target_id
            v.save(update_fields=["customer"])
            moved += 1
    ContactVerification.objects.filter(customer_id=source_id).delete()
    return moved


def section_context(request: HttpRequest, customer: Customer) -> Mapping[str, Any] | None:
    contacts = selectors.contact_specs(customer)
    if not contacts:
        return None
    state = selectors.verification_state(customer)
    specs = {s.key: s for s in contacts}
    return {
        "customer": customer,
        "rows": [
            {"key": key, "label": specs[key].label(get_language() or "zh-hans"), **value}
            for key, value in state.items()
        ],
        "may_verify": customer.erased_at is None and allows(request.user, customer, "change"),
        "required": selectors.required_fields(customer.template_id),
    }


def _refuse_unverified_active_on_edit(
    *, customer: Customer, clean: Mapping[str, Any], lookups: Mapping[str, str]
) -> None:
    check_active_ready(customer, lifecycle=str(clean.get("lifecycle") or ""), digests=lookups)


def register_verification() -> None:
    """Verifications and codes identify a value: they go with erasure; the page shows them."""
    register(
        CustomerData(
            key="verifications",
            model=ContactVerification,
            export=verifications_copy,
            erasure="delete",
            repoint=_move_verifications,
        )
    )
    register(CustomerData(key="verification_codes", model=VerificationCode, erasure="delete"))
    # a new customer cannot start as active while its template requires verified fields
    register_entry_check(refuse_unverified_active_at_entry)
    # … nor be made active by an edit (a page, the API, a bulk lifecycle change)
    register_change_check(_refuse_unverified_active_on_edit)
    register_section(
        Section(
            key="verification",
            template="verification/_section.html",
            context=section_context,
            region="side",
            order=20,
        )
    )
