"""Submissions in the customer-data registry (export, erasure, merge) and their expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dossier.capture.models import CaptureSubmission, Status
from dossier.capture.services import expire_pending
from dossier.customers.models import Customer
from dossier.customers.registry import erase_rows, export_sections, repoint_customer_data

pytestmark = pytest.mark.django_db


def _submit(form, phone: str = "13912345678", name: str = "王小明") -> CaptureSubmission:
    Client(HTTP_USER_AGENT="Phone/1.0").post(
        reverse("capture:public", args=[form.slug]), {"display_name": name, "phone": phone}
    )
    return CaptureSubmission.objects.latest("created_at")


def test_the_customers_copy_names_the_forms_they_sent(form):
    submission = _submit(form)
    sections = export_sections(Customer.objects.get(pk=submission.customer_id))
    assert sections["capture"] == [
        {
            "form": "spring-fair",
            "status": "created",
            "created_at": submission.created_at.isoformat(),
        }
    ]


def test_erasure_keeps_the_count_and_forgets_the_traces(form):
    submission = _submit(form)
    assert submission.client_hash and submission.user_agent == "Phone/1.0"
    erase_rows([submission.customer_id])
    submission.refresh_from_db()
    assert (submission.client_hash, submission.user_agent) == ("", "")
    assert submission.status == Status.CREATED


def test_a_merge_moves_submissions_to_the_survivor(form, make_customer, owner):
    submission = _submit(form)
    survivor = make_customer(owner, display_name="另一个人", phone="13700001111")
    repoint_customer_data(submission.customer_id, survivor.pk)
    submission.refresh_from_db()
    assert submission.customer_id == survivor.pk


def test_an_unconfirmed_submission_forgets_what_was_typed(form):
    form.verify_via = "sms"
    form.save()
    submission = _submit(form)
    assert submission.status == Status.PENDING and submission.pending_values
    assert expire_pending() == 0  # not yet
    assert expire_pending(now=timezone.now() + timedelta(hours=1)) == 1
    submission.refresh_from_db()
    assert submission.status == Status.EXPIRED
    assert (submission.pending_values, submission.code_digest) == ({}, "")
