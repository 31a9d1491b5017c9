"""The ledger itself: events are append-only, in the application and in PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction

from dossier.audit.append_only import AppendOnlyError
from dossier.consent import services
from dossier.consent.models import ConsentEvent, Purpose
from dossier.customers.models import Customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(admin: User, add_customer: Callable[..., Customer]) -> ConsentEvent:
    return services.grant_consent(
        actor=admin,
        customer_id=add_customer().pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2024-05",
    )


def test_default_purposes_are_installed_with_their_flags() -> None:
    purposes = {p.key: p for p in Purpose.objects.all()}
    assert list(purposes) == [
        "marketing",
        "service_notices",
        "sensitive_data_processing",
        "third_party_sharing",
    ]
    assert purposes["marketing"].name_zh == "营销推广"
    assert purposes["sensitive_data_processing"].sensitive_data is True
    assert purposes["sensitive_data_processing"].channels() == ["any"]
    assert purposes["marketing"].channels() == ["email", "sms", "phone", "wechat", "post"]
    assert not any(
        p.sensitive_data for k, p in purposes.items() if k != "sensitive_data_processing"
    )


def test_saving_an_existing_event_is_refused(event: ConsentEvent) -> None:
    event.action = "withdrawn"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert ConsentEvent.objects.get(pk=event.pk).action == "granted"


def test_deleting_events_is_refused_one_by_one_and_in_bulk(event: ConsentEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(pk=event.pk).update(action="withdrawn")
    assert ConsentEvent.objects.filter(pk=event.pk, action="granted").exists()


def test_the_database_refuses_changes_that_bypass_the_application(event: ConsentEvent) -> None:
    table = ConsentEvent._meta.db_table
    if connection.vendor == "postgresql":
        for sql in (
            f"UPDATE {table} SET action = 'withdrawn' WHERE id = %s",
            f"DELETE FROM {table} WHERE id = %s",
        ):
            with (
                pytest.raises(DatabaseError, match="append-only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(sql, [event.pk])
        assert ConsentEvent.objects.filter(pk=event.pk, action="granted").exists()
    else:
        # SQLite has no trigger here: the application-level guards are the protection
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [table],
            )
            assert cursor.fetchone()[0] == 0
        with pytest.raises(AppendOnlyError):
            ConsentEvent.objects.all().delete()
