"""The capture app's table in the customer-data registry, and its part of the profile."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from dossier.capture.models import CaptureSubmission
from dossier.capture.selectors import customer_submissions
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.customers.sections import Section, register_section


def submissions_copy(customer: Customer) -> list[dict[str, Any]] | None:
    """The forms the customer sent (their copy of their data)."""
    rows = customer_submissions(customer.pk)
    if not rows:
        return None
    return [
        {"form": s.form.slug, "status": s.status, "created_at": s.created_at.isoformat()}
        for s in rows
    ]


def _anonymise(rows: QuerySet[Any]) -> None:
    rows.update(client_hash="", user_agent="", pending_values={}, code_digest="")


def _section(request: HttpRequest, customer: Customer) -> Mapping[str, Any] | None:
    rows = customer_submissions(customer.pk)
    return {"submissions": rows} if rows else None


def register_capture_tables() -> None:
    """Submissions go with the customer's copy, lose their traces on erasure, move on merge."""
    entry = CustomerData(key="capture", model=CaptureSubmission)
    register(
        CustomerData(
            key="capture",
            model=CaptureSubmission,
            export=submissions_copy,
            # the row stays (the form's counts), what could identify a sender goes
            erasure="anonymise",
            anonymise=_anonymise,
            repoint=repoint_rows(entry),
        )
    )
    register_section(
        Section(
            key="capture",
            template="capture/profile_section.html",
            context=_section,
            region="side",
            order=80,
        )
    )
