"""The quick actions "log a call" and "add a note" (htmx and plain posts), and the timeline
entry as each role sees it."""

from __future__ import annotations

from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client

from dossier.activity.kinds import kind, quick_actions
from dossier.activity.models import TimelineEntry
from dossier.activity.selectors import timeline_page
from dossier.interactions import services
from dossier.interactions.models import Interaction

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
CALL = {
    "channel": "phone",
    "direction": "inbound",
    "duration_minutes": "4",
    "subject": "咨询退货",
    "notes": "客户想退一件外套",
    "outcome": "follow_up",
    "next_step": "寄退货单",
}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(customer: Any, what: str) -> str:
    return f"/interactions/customers/{customer.pk}/{what}/"


def test_logging_a_call_with_htmx_answers_the_empty_form_and_reloads_the_timeline(
    owner: Any, customer: Any
) -> None:
    response = _client(owner).post(_url(customer, "call"), CALL, headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Trigger"] == "timeline-changed"
    page = response.content.decode()
    assert 'id="quick-log-call"' in page and "Call logged." in page
    assert "客户想退一件外套" not in page  # the form is emptied for the next call
    row = Interaction.objects.get()
    assert (row.duration_seconds, row.subject, row.staff) == (240, "咨询退货", owner)


def test_a_bad_call_form_comes_back_with_its_errors_and_nothing_is_written(
    owner: Any, customer: Any
) -> None:
    bad = {**CALL, "duration_minutes": "很久", "subject": "长" * 201}
    response = _client(owner).post(_url(customer, "call"), bad, headers=HTMX)
    assert response.status_code == 200  # htmx swaps only 2xx answers
    assert "HX-Trigger" not in response
    page = response.content.decode()
    assert "Duration (minutes) must be a whole number." in page
    assert "客户想退一件外套" in page  # what was typed stays
    plain = _client(owner).post(_url(customer, "call"), {**CALL, "subject": "长" * 201})
    assert plain.status_code == 422
    assert "Subject must be at most 200 characters." in plain.content.decode()
    assert not Interaction.objects.exists()


def test_without_javascript_a_call_is_logged_and_the_customer_page_follows(
    owner: Any, customer: Any
) -> None:
    response = _client(owner).post(_url(customer, "call"), CALL)
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/"
    assert Interaction.objects.count() == 1


def test_a_note_needs_its_text_and_is_internal(owner: Any, customer: Any) -> None:
    empty = _client(owner).post(_url(customer, "note"), {"notes": "  "}, headers=HTMX)
    assert "Note is required." in empty.content.decode()
    assert not Interaction.objects.exists()
    done = _client(owner).post(
        _url(customer, "note"), {"notes": "要求只在工作日联系"}, headers=HTMX
    )
    assert done["HX-Trigger"] == "timeline-changed"
    row = Interaction.objects.get()
    assert (row.channel, row.direction, row.notes) == ("note", "internal", "要求只在工作日联系")


def test_others_get_the_error_pages_and_nothing_is_written(
    customer: Any, stranger: Any, marketer: Any, analyst: Any
) -> None:
    for user, status in ((stranger, 404), (analyst, 404), (marketer, 403)):
        for what in ("call", "note"):
            response = _client(user).post(_url(customer, what), {**CALL}, headers=HTMX)
            assert response.status_code == status, (user, what)
    assert not Interaction.objects.exists()
    assert Client().post(_url(customer, "call"), CALL).status_code == 302  # to the log-in


def test_quick_actions_are_offered_to_those_who_may_change_the_customer(
    owner: Any, customer: Any, marketer: Any
) -> None:
    assert {a.key for a in quick_actions(owner, customer)} >= {"log_call", "add_note"}
    assert not {a.key for a in quick_actions(marketer, customer)} & {"log_call", "add_note"}
    action = next(a for a in quick_actions(owner, customer) if a.key == "log_call")
    html = render_to_string(action.template, {"customer": customer})
    assert f'hx-post="/interactions/customers/{customer.pk}/call/"' in html


def test_the_timeline_shows_what_was_said_only_to_those_who_may_read_it(
    owner: Any, customer: Any, marketer: Any
) -> None:
    services.log_interaction(
        actor=owner,
        customer_id=customer.pk,
        channel="hotline",
        direction="inbound",
        duration_seconds=125,
        subject="投诉物流慢",
        notes="快递三天没动",
    )
    entry_kind = kind("interaction")
    assert entry_kind is not None
    for user, shown in ((owner, True), (marketer, False)):
        page = timeline_page(actor=user, customer_id=customer.pk)
        [entry] = page.entries
        row = page.rows.get(("interaction", entry.object_id))
        html = render_to_string(entry_kind.template, {"entry": entry, "row": row})
        assert "hotline" in html and "2 min 5 s" in html
        assert ("快递三天没动" in html) is shown and ("投诉物流慢" in html) is shown
    assert TimelineEntry.objects.count() == 1
