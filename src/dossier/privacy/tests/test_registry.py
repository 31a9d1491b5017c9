"""A new table of customer data plugs into export, erasure and merge by registering itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, models
from django.test.utils import isolate_apps

from dossier.accounts.services import ensure_roles
from dossier.customers.models import Customer
from dossier.customers.registry import (
    CustomerData,
    register,
    repoint_customer_data,
    repoint_rows,
    unregister,
)
from dossier.privacy import requests as subject_requests
from dossier.privacy.tests.subject_fixtures import *  # noqa: F403
from dossier.templates.services import install_builtin_templates


def _anonymise(rows: Any) -> None:
    rows.update(note="")


@pytest.fixture
def call_notes(transactional_db: Any) -> Iterator[Any]:
    """The table exists and is registered only for the test (not in Django's app registry)."""
    ensure_roles()  # a transactional test starts from an emptied database
    install_builtin_templates()
    with isolate_apps("dossier.privacy"):

        class CallNote(models.Model):
            """A throw-away table of customer data, as a future app (orders, calls) would add."""

            customer_id = models.UUIDField(db_index=True)
            note = models.CharField(max_length=200)
            minutes = models.IntegerField(default=0)

            class Meta:
                app_label = "privacy"
                db_table = "test_registry_callnote"

    with connection.schema_editor() as editor:
        editor.create_model(CallNote)
    entry = CustomerData(
        key="call_notes",
        model=CallNote,
        export=lambda customer: [
            {"note": n.note, "minutes": n.minutes}
            for n in CallNote.objects.filter(customer_id=customer.pk).order_by("id")
        ],
        erasure="anonymise",
        anonymise=_anonymise,
    )
    register(
        CustomerData(
            key=entry.key,
            model=CallNote,
            export=entry.export,
            erasure="anonymise",
            anonymise=_anonymise,
            repoint=repoint_rows(entry),
        )
    )
    try:
        yield CallNote
    finally:
        unregister(CallNote)
        with connection.schema_editor() as editor:
            editor.delete_model(CallNote)


def test_registered_table_is_in_the_customers_copy_of_their_data(
    call_notes: Any, admin: User, add_member: Callable[..., Customer]
) -> None:
    customer = add_member()
    call_notes.objects.create(customer_id=customer.pk, note="asked about 退货", minutes=4)
    data = subject_requests.export_customer_data(actor=admin, customer_id=customer.pk)
    assert data["call_notes"] == [{"note": "asked about 退货", "minutes": 4}]
    # the existing sections are unchanged
    assert {"customer", "consent", "requests", "restrictions", "erasure", "audit"} <= set(data)


def test_erasure_anonymises_a_registered_table_and_keeps_its_general_figures(
    call_notes: Any, admin: User, add_member: Callable[..., Customer]
) -> None:
    customer = add_member()
    other = add_member()
    call_notes.objects.create(customer_id=customer.pk, note="住在建国路", minutes=7)
    call_notes.objects.create(customer_id=other.pk, note="someone else", minutes=2)
    subject_requests.erase_customer(actor=admin, customer_id=customer.pk)
    erased = call_notes.objects.get(customer_id=customer.pk)
    assert (erased.note, erased.minutes) == ("", 7)
    assert call_notes.objects.get(customer_id=other.pk).note == "someone else"


def test_registered_rows_are_repointed_to_the_surviving_customer(
    call_notes: Any, add_member: Callable[..., Customer]
) -> None:
    merged, survivor = add_member(), add_member()
    call_notes.objects.create(customer_id=merged.pk, note="first call", minutes=3)
    moved = repoint_customer_data(merged.pk, survivor.pk)
    assert moved["privacy.CallNote"] == 1
    assert list(call_notes.objects.values_list("customer_id", flat=True)) == [survivor.pk]


@pytest.mark.django_db
def test_built_in_registrations_drop_lookups_and_links_on_erasure(
    admin: User, add_member: Callable[..., Customer]
) -> None:
    """The built-in registrations: lookups and self-service links go, tags stay."""
    from dossier.customers.models import CustomerLookup
    from dossier.privacy.models import SelfServiceLink
    from dossier.privacy.selfservice import issue_self_service_link

    customer = add_member()
    issue_self_service_link(actor=admin, customer_id=customer.pk)
    assert CustomerLookup.objects.filter(customer_id=customer.pk).exists()
    assert SelfServiceLink.objects.filter(customer_id=customer.pk).exists()
    subject_requests.erase_customer(actor=admin, customer_id=customer.pk)
    assert not CustomerLookup.objects.filter(customer_id=customer.pk).exists()
    assert not SelfServiceLink.objects.filter(customer_id=customer.pk).exists()
