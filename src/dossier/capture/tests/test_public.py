"""The public form end to end: customers, consents, duplicates, codes, and abuse."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dossier.capture.models import CaptureForm, CaptureSubmission, Status
from dossier.capture.selectors import submissions_per_form
from dossier.capture.services import set_active
from dossier.consent.models import ConsentEvent
from dossier.customers.models import Customer
from dossier.followups.models import Task

from .conftest import NOTICE

pytestmark = pytest.mark.django_db


def _send(client: Client, form: CaptureForm, **values: Any) -> Any:
    data = {"display_name": "王小明", "phone": "13912345678", "email": "", **values}
    return client.post(reverse("capture:public", args=[form.slug]), data)


def test_a_submission_creates_a_lead_for_the_forms_owner_with_its_source(form, owner):
    response = _send(Client(), form, consents=["marketing"])
    assert response.status_code == 302
    assert response["Location"] == reverse("capture:thanks", args=[form.slug])
    customer = Customer.objects.get()
    assert customer.owner == owner
    assert (customer.lifecycle, customer.source) == ("lead", "event")
    submission = CaptureSubmission.objects.get()
    assert (submission.customer, submission.status) == (customer, Status.CREATED)
    assert submission.source_label == "form:spring-fair"
    assert submission.client_hash and "127.0.0.1" not in submission.client_hash
    assert submissions_per_form()[0]["created"] == 1


def test_ticked_consents_are_in_the_ledger_with_the_notice_version(form):
    _send(Client(), form, consents=["marketing", "not-offered"])
    events = list(ConsentEvent.objects.all())
    assert [(e.purpose.key, e.channel, e.action, e.source) for e in events] == [
        ("marketing", "sms", "granted", "form")
    ]
    assert events[0].notice_version == NOTICE
    assert events[0].evidence["reference"] == "form:spring-fair"


def test_unticked_consents_record_nothing(form):
    _send(Client(), form)
    assert not ConsentEvent.objects.exists()


def test_invalid_values_come_back_under_their_field_and_nothing_is_written(form):
    response = _send(Client(), form, display_name="", phone="12", email="not-mail")
    assert response.status_code == 422
    page = response.content.decode()
    for key in ("display_name", "phone", "email"):
        assert f'id="error_{key}"' in page
    assert not Customer.objects.exists()
    assert not CaptureSubmission.objects.exists()


def test_a_duplicate_is_attached_to_the_existing_customer_without_telling_the_public(
    form, make_customer, owner
):
    existing = make_customer(owner, display_name="王小明", phone="13912345678")
    response = _send(Client(), form, consents=["marketing"])
    assert response.status_code == 302
    assert response["Location"] == reverse("capture:thanks", args=[form.slug])
    assert Customer.objects.count() == 1
    submission = CaptureSubmission.objects.get()
    assert (submission.customer_id, submission.status) == (existing.pk, Status.MATCHED)
    task = Task.objects.get(customer=existing)
    assert task.assignee == owner and task.cause_kind == "capture"
    # the submitter is not proven to be that customer: no consent recorded on them
    assert not ConsentEvent.objects.exists()
    thanks = Client().get(response["Location"]).content.decode()
    assert existing.display_name not in thanks


def test_verification_keeps_the_submission_pending_until_the_code(
    form, outbox, django_capture_on_commit_callbacks
):
    form.verify_via = "sms"
    form.save()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, form, consents=["marketing"])
    assert response.status_code == 302
    submission = CaptureSubmission.objects.get()
    assert submission.status == Status.PENDING
    assert response["Location"] == reverse("capture:code", args=[form.slug, submission.public_id])
    assert not Customer.objects.exists()
    assert [m.to for m in outbox] == ["+8613912345678"]
    code = outbox[0].code
    assert code not in submission.code_digest

    wrong = client.post(response["Location"], {"code": "000000" if code != "000000" else "1"})
    assert wrong.status_code == 422 and 'id="error_code"' in wrong.content.decode()
    assert not Customer.objects.exists()
    right = client.post(response["Location"], {"code": code})
    assert right.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Status.CREATED and submission.pending_values == {}
    assert submission.customer is not None and submission.confirmed_at is not None
    assert ConsentEvent.objects.get().notice_version == NOTICE
    # the code works once
    assert client.post(response["Location"], {"code": code}).status_code == 404


def test_too_many_wrong_codes_void_the_submission(form, outbox, django_capture_on_commit_callbacks):
    form.verify_via = "sms"
    form.save()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        location = _send(client, form)["Location"]
    code = outbox[0].code
    wrong = "111111" if code != "111111" else "222222"
    for _i in range(5):
        client.post(location, {"code": wrong})
    submission = CaptureSubmission.objects.get()
    assert submission.status == Status.EXPIRED and submission.pending_values == {}
    assert client.post(location, {"code": code}).status_code == 404
    assert not Customer.objects.exists()


def test_the_honeypot_looks_accepted_and_keeps_nothing(form):
    response = _send(Client(), form, website="http://spam.example")
    assert response.status_code == 302
    assert not Customer.objects.exists() and not CaptureSubmission.objects.exists()


def test_one_address_is_refused_past_the_rate(form, settings):
    settings.DOSSIER_CAPTURE_RATE = (3, 3600)
    client = Client()
    for number in range(3):
        assert (
            _send(
                client, form, phone=f"1391234567{number}", display_name=f"客户{number}"
            ).status_code
            == 302
        )
    refused = _send(client, form, phone="13912345679", display_name="客户九")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Customer.objects.count() == 3
    # another address is not held back
    other = _send(Client(REMOTE_ADDR="10.0.0.9"), form, phone="13912345679", display_name="客户九")
    assert other.status_code == 302


def test_oversized_fields_and_bodies_are_refused(form):
    long = _send(Client(), form, display_name="王" * 5000)
    assert long.status_code == 422 and 'id="error_display_name"' in long.content.decode()
    big = Client().post(
        reverse("capture:public", args=[form.slug]),
        {"display_name": "x", "phone": "13912345678", "padding": "x" * 70_000},
    )
    assert big.status_code == 413
    assert not Customer.objects.exists()


def test_the_public_form_needs_its_csrf_token(form):
    client = Client(enforce_csrf_checks=True)
    assert _send(client, form).status_code == 403
    page = client.get(reverse("capture:public", args=[form.slug]))
    token = page.cookies["csrftoken"].value
    assert _send(client, form, csrfmiddlewaretoken=token).status_code == 302


def test_a_closed_or_unknown_form_is_not_found(form, manager):
    set_active(actor=manager, slug=form.slug, active=False)
    assert Client().get(reverse("capture:public", args=[form.slug])).status_code == 404
    assert _send(Client(), form).status_code == 404
    assert Client().get("/f/no-such-form/").status_code == 404


def test_hostile_input_is_refused_or_stored_as_text(form):
    response = _send(
        Client(),
        form,
        display_name="<script>alert(1)</script>",
        email="a@b.c\x00' OR 1=1 --",
        kind="company",
        owner="someone-else",
    )
    assert response.status_code == 422
    assert "<script>alert(1)" not in response.content.decode()
    assert not Customer.objects.exists()
    ok = _send(Client(), form, display_name="<b>Bob</b>", kind="company")
    assert ok.status_code == 302
    customer = Customer.objects.get()
    # fields the form does not ask for are ignored
    assert customer.kind == "person"


def test_the_page_shows_the_fields_the_consents_and_a_hidden_honeypot(form):
    page = Client().get(reverse("capture:public", args=[form.slug])).content.decode()
    assert 'name="display_name"' in page and 'name="phone"' in page
    assert 'name="consents" value="marketing"' in page
    assert 'name="website"' in page and 'aria-hidden="true"' in page
    assert 'name="id_number"' not in page


def test_when_the_owner_left_the_teams_manager_gets_the_customers(form, owner, manager):
    owner.is_active = False
    owner.save()
    assert _send(Client(), form).status_code == 302
    assert Customer.objects.get().owner == manager


def test_a_unique_value_held_by_another_customer_is_not_revealed(make_form, make_customer, owner):
    form = make_form(slug="members", fields=["display_name", "phone", "member_no"])
    make_customer(owner, display_name="赵大", phone="13700000001", member_no="M000001")
    response = _send(Client(), form, display_name="钱二", phone="13600000002", member_no="M000001")
    assert response.status_code == 302
    assert response["Location"] == reverse("capture:thanks", args=[form.slug])
    assert Customer.objects.count() == 1
    assert CaptureSubmission.objects.get().status == Status.MATCHED


def test_a_code_page_answers_only_under_its_own_form(
    make_form, form, django_capture_on_commit_callbacks
):
    form.verify_via = "sms"
    form.save()
    other = make_form(slug="other-form")
    with django_capture_on_commit_callbacks(execute=True):
        _send(Client(), form)
    token = CaptureSubmission.objects.get().public_id
    assert Client().get(reverse("capture:code", args=[other.slug, token])).status_code == 404
    assert Client().get(f"/f/{form.slug}/code/not-a-uuid/").status_code == 404
    assert Client().get(reverse("capture:code", args=[form.slug, token])).status_code == 200


def test_the_form_speaks_the_visitors_language(form):
    url = reverse("capture:public", args=[form.slug])
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(url).content.decode()
    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans").get(url).content.decode()
    assert "Spring fair sign-up" in english and "Send" in english
    assert "春季展会登记" in chinese and "提交" in chinese
