"""The cleaning pages: start a run, see its suggestions, decide them; in English and Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from dossier.cleaning.models import CleaningRun, CleaningSuggestion
from dossier.conftest import PASSWORD
from dossier.core import roles

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _start(client: Client, kind: str, capture: Any) -> CleaningRun:
    with capture(execute=True):
        response = client.post(reverse("cleaning:start"), {"kind": kind})
    assert response.status_code == 302
    run = CleaningRun.objects.latest("id")
    assert response["Location"] == reverse("cleaning:run", args=[run.pk])
    return run


def test_start_a_run_and_accept_one_then_the_rest(
    east: User, make_customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    customer = make_customer(east, address="深圳南山区科技园路1号")
    client = _client(east)
    page = client.get(reverse("cleaning:runs")).content.decode()
    assert 'value="addresses"' in page and 'value="revalidate"' in page
    run = _start(client, CleaningRun.ADDRESSES, django_capture_on_commit_callbacks)
    page = client.get(reverse("cleaning:run", args=[run.pk])).content.decode()
    assert "广东省" in page and "科技园路1号" in page
    assert 'data-label="Suggested"' in page  # the table folds into cards on a phone
    city = run.suggestions.get(field="city")
    url = reverse("cleaning:decide", args=[run.pk])
    assert client.post(url, {"accept_one": city.pk}).status_code == 302
    customer.refresh_from_db()
    assert customer.city == "深圳市" and customer.province == ""
    response = client.post(url, {"action": "accept_all"}, follow=True)
    assert "3 changes applied." in response.content.decode()
    customer.refresh_from_db()
    assert (customer.province, customer.district, customer.address) == (
        "广东省",
        "南山区",
        "科技园路1号",
    )


def test_bulk_decisions_need_a_selection_and_take_only_what_was_selected(
    east: User, make_customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_customer(east, address="北京市朝阳区建国路88号")
    client = _client(east)
    run = _start(client, CleaningRun.ADDRESSES, django_capture_on_commit_callbacks)
    url = reverse("cleaning:decide", args=[run.pk])
    response = client.post(url, {"action": "accept_selected"}, follow=True)
    assert "Choose at least one suggestion from the list." in response.content.decode()
    two = list(run.suggestions.values_list("pk", flat=True)[:2])
    client.post(url, {"action": "reject_selected", "suggestion": two})
    assert set(
        run.suggestions.filter(state=CleaningSuggestion.REJECTED).values_list("pk", flat=True)
    ) == set(two)
    # a tampered form changes nothing
    client.post(url, {"action": "accept_selected", "suggestion": ["x"]})
    client.post(url, {"action": "drop_selected", "suggestion": two})
    assert not run.suggestions.filter(state=CleaningSuggestion.ACCEPTED).exists()


def test_a_conflict_is_shown_not_applied(
    east: User, make_customer: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from dossier.customers.services import update_customer

    customer = make_customer(east, address="深圳南山区科技园路1号")
    client = _client(east)
    run = _start(client, CleaningRun.ADDRESSES, django_capture_on_commit_callbacks)
    update_customer(
        actor=east, customer_id=customer.pk, values={"company": "新公司"},
        expected_version=customer.version,
    )  # fmt: skip
    response = client.post(
        reverse("cleaning:decide", args=[run.pk]), {"action": "accept_all"}, follow=True
    )
    assert "Someone else changed this customer first." in response.content.decode()
    customer.refresh_from_db()
    assert customer.province == ""


def test_another_teams_run_is_not_found_and_lower_roles_are_refused(
    east: User, west: User, make_user: Any, make_customer: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    make_customer(east, address="深圳南山区科技园路1号")
    run = _start(_client(east), CleaningRun.ADDRESSES, django_capture_on_commit_callbacks)
    outsider = _client(west)
    assert outsider.get(reverse("cleaning:run", args=[run.pk])).status_code == 404
    decide = reverse("cleaning:decide", args=[run.pk])
    assert outsider.post(decide, {"action": "accept_all"}).status_code == 404
    assert not run.suggestions.exclude(state="pending").exists()
    listed = outsider.get(reverse("cleaning:runs")).content.decode()
    assert reverse("cleaning:run", args=[run.pk]) not in listed
    analyst = _client(make_user("numbers", roles.ANALYST))
    assert analyst.get(reverse("cleaning:runs")).status_code == 403
    assert analyst.post(reverse("cleaning:start"), {"kind": "typos"}).status_code == 403


def test_revalidation_page_lists_failures_field_by_field_in_chinese(
    east: User, make_customer: Any, member_template: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from dossier.cleaning.tests.test_revalidate import _stricter

    make_customer(east, member_no="M123456")
    _stricter(member_template)
    client = _client(east)
    client.cookies["django_language"] = "zh-hans"
    run = _start(client, CleaningRun.REVALIDATE, django_capture_on_commit_callbacks)
    page = client.get(reverse("cleaning:run", args=[run.pk])).content.decode()
    assert "<code>member_no</code>" in page and "<code>store</code>" in page
    assert "M123456" not in page
    assert "不符合模板当前规则的档案" in page
