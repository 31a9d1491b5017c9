"""Feedback through the services: scores feed the figures, a complaint gets its call back,
every bad input is named, statuses move only forward, the text is encrypted at rest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.feedback import selectors, services
from dossier.feedback.models import Feedback
from dossier.feedback.registrations import feedback_payload
from dossier.followups.models import Task
from dossier.outbox.models import Event

pytestmark = pytest.mark.django_db

COMPLAINT = "快递一周还没到，客服电话 400-800-1234 一直占线"


def _record(actor: Any, customer: Any, **values: Any) -> Feedback:
    values = {"kind": "praise", **values}
    return services.record_feedback(actor=actor, customer_id=customer.pk, **values)


def _figures(customer: Any) -> CustomerFigures:
    return CustomerFigures.objects.get(pk=customer.pk)


def test_a_complaint_is_counted_announced_and_called_back_within_a_day(
    owner: Any, customer: Any
) -> None:
    row = _record(owner, customer, kind="complaint", text=COMPLAINT, csat=1, order_ref="SO-2024-88")
    assert (row.status, row.recorded_by, row.text) == ("new", owner, COMPLAINT)
    task = Task.objects.get(cause_kind="feedback", cause_id=str(row.pk))
    assert task.assignee == owner  # the customer's owner
    assert task.due_at == row.received_at + timedelta(hours=24)
    assert task.customer_id == customer.pk and task.status == "open"
    event = Event.objects.get(name="feedback.created")
    assert (event.object_type, event.object_id) == ("feedback", str(row.pk))
    assert event.data == {"kind": "complaint", "csat": 1, "nps": None}
    entry = TimelineEntry.objects.get(kind="feedback", object_id=str(row.pk))
    assert entry.summary == {"kind": "complaint", "status": "new", "csat": 1, "nps": None}
    figures = _figures(customer)
    assert (figures.complaint_count, figures.csat_total, figures.csat_count) == (1, 1, 1)
    assert verify() == []


def test_praise_and_suggestions_schedule_no_call_back(owner: Any, customer: Any) -> None:
    _record(owner, customer, kind="praise", text="安装师傅很专业")
    _record(owner, customer, kind="suggestion", text="希望增加夜间配送")
    assert not Task.objects.exists()
    assert not CustomerFigures.objects.filter(pk=customer.pk, complaint_count__gt=0).exists()
    assert Event.objects.filter(name="feedback.created").count() == 2


def test_scores_make_the_average_csat_and_the_last_nps(owner: Any, customer: Any) -> None:
    _record(owner, customer, csat=5, nps=9)
    _record(owner, customer, csat=4)
    last = _record(owner, customer, csat=2, nps=3)
    figures = _figures(customer)
    assert (figures.csat_total, figures.csat_count) == (11, 3)
    assert str(figures.average_csat) == "3.7"
    assert (figures.last_nps, figures.last_nps_at) == (3, last.received_at)
    assert verify() == []


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"csat": 0}, "csat", "too_small"),
        ({"csat": 6}, "csat", "too_large"),
        ({"csat": True}, "csat", "invalid_integer"),
        ({"nps": 11}, "nps", "too_large"),
        ({"nps": -1}, "nps", "too_small"),
        ({"nps": "九"}, "nps", "invalid_integer"),
        ({"kind": "rant"}, "kind", "invalid_choice"),
        ({"kind": ""}, "kind", "required"),
        ({"text": "慢" * 4001}, "text", "too_long"),
        ({"text": "nul\x00"}, "text", "control_characters"),
        ({"order_ref": "S" * 65}, "order_ref", "too_long"),
    ],
)
def test_each_bad_input_is_named_and_nothing_is_written(
    owner: Any, customer: Any, values: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _record(owner, customer, **{"kind": "complaint", **values})
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)]
    assert not Feedback.objects.exists()
    assert not Task.objects.exists()
    assert not Event.objects.filter(object_type="feedback").exists()
    assert not TimelineEntry.objects.exists()
    assert verify() == []


def test_the_text_and_resolution_are_ciphertext_in_the_database(owner: Any, customer: Any) -> None:
    row = _record(owner, customer, kind="complaint", text=COMPLAINT)
    services.resolve_feedback(actor=owner, feedback_id=row.pk, resolution="已补发，赠送优惠券")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT text, resolution FROM {Feedback._meta.db_table} WHERE id = %s",
            [row.pk],
        )
        text, resolution = cursor.fetchone()
    assert text and "快递" not in text and "400-800-1234" not in text
    assert resolution and "优惠券" not in resolution
    assert Feedback.objects.get(pk=row.pk).resolution == "已补发，赠送优惠券"


def test_statuses_move_forward_and_resolving_needs_what_was_done(owner: Any, customer: Any) -> None:
    row = _record(owner, customer, kind="complaint", text=COMPLAINT)
    services.acknowledge_feedback(actor=owner, feedback_id=row.pk)
    with pytest.raises(ValidationFailed) as caught:
        services.resolve_feedback(actor=owner, feedback_id=row.pk, resolution="  ")
    assert [(e.field, e.code) for e in caught.value.errors] == [("resolution", "required")]
    done = services.resolve_feedback(actor=owner, feedback_id=row.pk, resolution="已补发")
    assert (done.status, done.resolved_by) == ("resolved", owner)
    closed = services.change_status(actor=owner, feedback_id=row.pk, status="closed")
    assert closed.resolution == "已补发"  # closing keeps what was done
    entry = TimelineEntry.objects.get(kind="feedback", object_id=str(row.pk))
    assert entry.summary["status"] == "closed"
    for status in ("new", "acknowledged", "resolved", "closed"):
        with pytest.raises(ValidationFailed) as caught:
            services.change_status(actor=owner, feedback_id=row.pk, status=status, resolution="x")
        [error] = caught.value.errors
        assert (error.field, error.code) == ("status", "status_change_not_allowed")
        assert error.params["before"] == "closed"
    assert Feedback.objects.get(pk=row.pk).status == "closed"
    # the figures count complaints ever made, whatever became of them
    assert _figures(customer).complaint_count == 1
    assert verify() == []


def test_an_unknown_status_is_named(owner: Any, customer: Any) -> None:
    row = _record(owner, customer)
    with pytest.raises(ValidationFailed) as caught:
        services.change_status(actor=owner, feedback_id=row.pk, status="archived")
    assert [(e.field, e.code) for e in caught.value.errors] == [("status", "invalid_choice")]


def test_closing_new_feedback_at_once_needs_what_was_done(owner: Any, customer: Any) -> None:
    row = _record(owner, customer, kind="suggestion")
    with pytest.raises(ValidationFailed):
        services.change_status(actor=owner, feedback_id=row.pk, status="closed")
    closed = services.resolve_feedback(
        actor=owner, feedback_id=row.pk, resolution="已转产品部", close=True
    )
    assert closed.status == "closed"


def test_others_may_neither_record_nor_read_nor_resolve(
    owner: Any, customer: Any, stranger: Any, marketer: Any, analyst: Any
) -> None:
    row = _record(owner, customer, kind="complaint", text=COMPLAINT)
    for user, error in ((stranger, NotFound), (analyst, NotFound), (marketer, PermissionDenied)):
        with pytest.raises(error):
            _record(user, customer, kind="complaint")
        with pytest.raises(error):
            selectors.feedback_for(user, row.pk)
        with pytest.raises(error):
            services.resolve_feedback(actor=user, feedback_id=row.pk, resolution="不该写入")
    assert Feedback.objects.count() == 1 and Task.objects.count() == 1
    assert Feedback.objects.get().status == "new"


def test_a_manager_lists_the_teams_feedback_filtered(
    owner: Any, customer: Any, manager: Any, stranger: Any, make_customer: Any
) -> None:
    _record(owner, customer, kind="complaint", text="一")
    _record(owner, customer, kind="praise", text="二")
    elsewhere = make_customer(stranger)
    _record(stranger, elsewhere, kind="complaint", text="别的团队")
    team = selectors.feedback_list(actor=manager)
    assert sorted(r.text for r in team.items) == ["一", "二"]
    complaints = selectors.feedback_list(
        actor=manager, filters=selectors.FeedbackFilters(kind="complaint")
    )
    assert [r.text for r in complaints.items] == ["一"]
    assert [r.text for r in selectors.feedback_list(actor=stranger).items] == ["别的团队"]


def test_a_webhook_receiver_sees_feedback_as_their_role_may(
    owner: Any, customer: Any, marketer: Any, stranger: Any
) -> None:
    _record(owner, customer, kind="complaint", text=COMPLAINT, csat=2)
    event = Event.objects.get(name="feedback.created")
    shown = feedback_payload(owner, event)
    assert shown is not None and shown["text"] == COMPLAINT and shown["csat"] == 2
    masked = feedback_payload(marketer, event)
    assert masked is not None and masked["text"] is None and masked["masked"] == ["text"]
    assert masked["kind"] == "complaint"
    assert feedback_payload(stranger, event) is None
