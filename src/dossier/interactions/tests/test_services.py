"""Interactions through the services: recorded with their timeline entry and figures, every bad
input named, only by those who may change the customer, notes encrypted at rest."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.audit.models import AuditEvent
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.interactions import services
from dossier.interactions.models import Interaction

pytestmark = pytest.mark.django_db

NOTES = "客户询问退货流程，订单号 SO20240518，联系人手机 13912345678"


def _log(actor: Any, customer: Any, **values: Any) -> Interaction:
    values = {"channel": "phone", "direction": "inbound", **values}
    return services.log_interaction(actor=actor, customer_id=customer.pk, **values)


def _figures(customer: Any) -> CustomerFigures:
    return CustomerFigures.objects.get(pk=customer.pk)


def test_a_logged_call_is_on_the_timeline_and_is_the_last_interaction(
    owner: Any, customer: Any
) -> None:
    when = timezone.now() - timedelta(hours=2)
    row = _log(
        owner,
        customer,
        occurred_at=when,
        duration_seconds=185,
        subject="咨询退货",
        notes=NOTES,
        outcome="follow_up",
        next_step="明天回电确认退款",
    )
    assert (row.staff, row.notes, row.duration_seconds) == (owner, NOTES, 185)
    entry = TimelineEntry.objects.get(kind="interaction", object_id=str(row.pk))
    assert entry.occurred_at == when
    assert entry.summary == {
        "channel": "phone",
        "direction": "inbound",
        "duration": 185,
        "outcome": "follow_up",
    }
    assert _figures(customer).last_interaction_at == when
    assert verify() == []


def test_nothing_typed_reaches_the_timeline_or_the_audit_log(owner: Any, customer: Any) -> None:
    row = _log(owner, customer, subject="咨询退货", notes=NOTES, next_step="回电")
    entry = TimelineEntry.objects.get(kind="interaction", object_id=str(row.pk))
    event = AuditEvent.objects.get(object_type="interaction", object_id=str(row.pk))
    for stored in (entry.summary, event.changes):
        text = str(stored)
        assert "咨询退货" not in text and "13912345678" not in text and "回电" not in text
    assert event.changes["notes"] == "***"


def test_notes_subject_and_next_step_are_ciphertext_in_the_database(
    owner: Any, customer: Any
) -> None:
    row = _log(owner, customer, subject="咨询退货", notes=NOTES, next_step="明天回电")
    table = Interaction._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT subject, notes, next_step FROM {table} WHERE id = %s",
            [row.pk],
        )
        raw = cursor.fetchone()
    assert all(value and value not in ("咨询退货", NOTES, "明天回电") for value in raw)
    assert not any("退货" in value or "13912345678" in value for value in raw)
    assert Interaction.objects.get(pk=row.pk).notes == NOTES  # read back decrypted


def test_a_note_is_kept_but_is_not_contact_with_the_customer(owner: Any, customer: Any) -> None:
    call = _log(owner, customer, occurred_at=timezone.now() - timedelta(days=3))
    _log(owner, customer, channel="note", direction="internal", notes="客户脾气急，先安抚")
    assert _figures(customer).last_interaction_at == call.occurred_at
    assert TimelineEntry.objects.filter(kind="interaction").count() == 2
    assert verify() == []


def test_dates_of_contact_only_move_forward_with_new_calls(owner: Any, customer: Any) -> None:
    later = _log(owner, customer, occurred_at=timezone.now() - timedelta(hours=1))
    _log(owner, customer, occurred_at=timezone.now() - timedelta(days=30))
    assert _figures(customer).last_interaction_at == later.occurred_at
    assert verify() == []


@pytest.mark.parametrize(
    ("values", "field", "code"),
    [
        ({"channel": "fax"}, "channel", "invalid_choice"),
        ({"channel": ""}, "channel", "required"),
        ({"direction": "sideways"}, "direction", "invalid_choice"),
        ({"outcome": "great"}, "outcome", "invalid_choice"),
        ({"duration_seconds": -1}, "duration_seconds", "too_small"),
        ({"duration_seconds": 24 * 3600 + 1}, "duration_seconds", "too_large"),
        ({"duration_seconds": True}, "duration_seconds", "invalid_integer"),
        ({"duration_seconds": "5 min"}, "duration_seconds", "invalid_integer"),
        ({"subject": "退" * 201}, "subject", "too_long"),
        ({"notes": "记" * 4001}, "notes", "too_long"),
        ({"next_step": "回" * 501}, "next_step", "too_long"),
        ({"notes": "bell\x07"}, "notes", "control_characters"),
        ({"notes": 42}, "notes", "invalid_text"),
        ({"occurred_at": "yesterday"}, "occurred_at", "invalid_datetime"),
        ({"occurred_at": "2099-01-01T00:00:00+08:00"}, "occurred_at", "date_out_of_range"),
        ({"occurred_at": "2001-01-01T00:00:00+08:00"}, "occurred_at", "date_out_of_range"),
        ({"occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at", "date_out_of_range"),
    ],
)
def test_each_bad_input_is_named_and_nothing_is_written(
    owner: Any, customer: Any, values: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _log(owner, customer, **values)
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)]
    assert not Interaction.objects.exists()
    assert not TimelineEntry.objects.exists()
    assert not CustomerFigures.objects.filter(last_interaction_at__isnull=False).exists()


def test_several_bad_inputs_are_named_at_once(owner: Any, customer: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _log(owner, customer, channel="fax", duration_seconds=-5, subject="x" * 300)
    assert {e.field for e in caught.value.errors} == {"channel", "duration_seconds", "subject"}


def test_another_teams_user_gets_not_found_and_nothing_is_written(
    owner: Any, customer: Any, stranger: Any
) -> None:
    with pytest.raises(NotFound):
        _log(stranger, customer, notes="不该写入")
    row = _log(owner, customer)
    for call in (
        lambda: services.update_interaction(
            actor=stranger, interaction_id=row.pk, values={"notes": "改"}
        ),
        lambda: services.delete_interaction(actor=stranger, interaction_id=row.pk),
    ):
        with pytest.raises(NotFound):
            call()
    assert Interaction.objects.get(pk=row.pk).notes == ""
    assert Interaction.objects.count() == 1


def test_marketing_sees_the_customer_but_may_not_log_or_change(
    owner: Any, customer: Any, marketer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        _log(marketer, customer)
    row = _log(owner, customer)
    with pytest.raises(PermissionDenied):
        services.update_interaction(actor=marketer, interaction_id=row.pk, values={"notes": "x"})
    with pytest.raises(PermissionDenied):
        services.delete_interaction(actor=marketer, interaction_id=row.pk)
    assert Interaction.objects.count() == 1


def test_an_analyst_reaches_no_customer(customer: Any, analyst: Any) -> None:
    with pytest.raises(NotFound):
        _log(analyst, customer)
    assert not Interaction.objects.exists()


def test_the_teams_manager_may_log_for_the_teams_customer(customer: Any, make_user: Any) -> None:
    from dossier.core import roles

    manager = make_user("zhou.min", roles.MANAGER, team="east")
    row = _log(manager, customer, direction="outbound", subject="回访满意度")
    assert row.staff == manager


def test_correcting_the_time_moves_the_entry_and_recounts_the_last_contact(
    owner: Any, customer: Any
) -> None:
    first = _log(owner, customer, occurred_at=timezone.now() - timedelta(days=5))
    second = _log(owner, customer, occurred_at=timezone.now() - timedelta(hours=1))
    earlier = timezone.now() - timedelta(days=10)
    services.update_interaction(
        actor=owner,
        interaction_id=second.pk,
        values={"occurred_at": earlier, "outcome": "resolved"},
    )
    entry = TimelineEntry.objects.get(kind="interaction", object_id=str(second.pk))
    assert (entry.occurred_at, entry.summary["outcome"]) == (earlier, "resolved")
    assert _figures(customer).last_interaction_at == first.occurred_at
    assert verify() == []


def test_turning_a_call_into_a_note_recounts_the_last_contact(owner: Any, customer: Any) -> None:
    first = _log(owner, customer, occurred_at=timezone.now() - timedelta(days=5))
    second = _log(owner, customer, occurred_at=timezone.now() - timedelta(hours=1))
    services.update_interaction(
        actor=owner,
        interaction_id=second.pk,
        values={"channel": "note", "direction": "internal"},
    )
    assert _figures(customer).last_interaction_at == first.occurred_at
    assert verify() == []


def test_a_bad_correction_changes_nothing(owner: Any, customer: Any) -> None:
    row = _log(owner, customer, notes="原记录")
    with pytest.raises(ValidationFailed) as caught:
        services.update_interaction(
            actor=owner, interaction_id=row.pk, values={"notes": "新", "duration_seconds": -3}
        )
    assert [e.field for e in caught.value.errors] == ["duration_seconds"]
    assert Interaction.objects.get(pk=row.pk).notes == "原记录"


def test_deleting_takes_it_off_the_timeline_and_recounts(owner: Any, customer: Any) -> None:
    first = _log(owner, customer, occurred_at=timezone.now() - timedelta(days=5))
    second = _log(owner, customer, occurred_at=timezone.now() - timedelta(hours=1))
    services.delete_interaction(actor=owner, interaction_id=second.pk)
    assert not TimelineEntry.objects.filter(kind="interaction", object_id=str(second.pk)).exists()
    assert _figures(customer).last_interaction_at == first.occurred_at
    services.delete_interaction(actor=owner, interaction_id=first.pk)
    assert _figures(customer).last_interaction_at is None
    assert verify() == []
    assert AuditEvent.objects.filter(object_type="interaction", action="delete").count() == 2


def test_an_unknown_or_malformed_id_is_not_found(owner: Any, customer: Any) -> None:
    for bad in (999999, "abc", "-1", 2**64):
        with pytest.raises(NotFound):
            services.delete_interaction(actor=owner, interaction_id=bad)
