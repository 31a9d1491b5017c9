"""A merge undone after the encryption keys were rotated, and after the old key was retired.

Rotation re-seals every encrypted value (the values stay the same); an operator then removes
the old key. Neither may make an un-merge refuse or put back values no key opens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection

from dossier.core.errors import Conflict
from dossier.customers.models import Customer
from dossier.interactions.models import Interaction
from dossier.matching.models import MergeSnapshot
from dossier.matching.services.merging import merge_customers, undo_merge
from dossier.matching.snapshots import (
    CUSTOMER,
    ENVELOPE,
    _cells,
    _legacy_fingerprint,
    customer_rows,
)
from dossier.privacy.tests.test_rotation import KEY_A, KEY_B, use_keys
from dossier.protection import rotation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _key_a(settings: Any) -> Iterator[None]:
    use_keys(settings, f"A:{KEY_A}")
    yield
    use_keys(settings, "")


def plain_state(ids: list[Any]) -> dict[str, Any]:
    """What the customers and their notes read as (decrypted), whatever key seals them."""
    return {
        "customers": {
            str(c.pk): (c.display_name, c.phone, c.deleted_at is None)
            for c in Customer.objects.filter(pk__in=ids)
        },
        "notes": sorted(
            (str(i.customer_id), i.notes) for i in Interaction.objects.filter(customer_id__in=ids)
        ),
    }


def test_undo_after_rotation_and_retiring_the_old_key_restores_readable_values(
    sales: User, five: list[Customer], settings: Any
) -> None:
    ids = [c.pk for c in five]
    before = plain_state(ids)
    merge = merge_customers(actor=sales, customer_ids=ids, survivor_id=ids[0])
    assert plain_state(ids) != before

    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    rotation.rotate_keys(writers=1)
    assert rotation.pending_count() == 0  # snapshots included: nothing is left on key A
    use_keys(settings, f"B:{KEY_B}")  # the operator retires key A

    undo_merge(actor=sales, merge_id=merge.pk)
    assert plain_state(ids) == before
    assert rotation.pending_count() == 0  # what came back is sealed with the current key


def test_snapshots_hold_no_readable_personal_values(sales: User, five: list[Customer]) -> None:
    merge_customers(actor=sales, customer_ids=[c.pk for c in five], survivor_id=five[0].pk)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {MergeSnapshot._meta.db_table}")
        stored = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    assert MergeSnapshot.objects.count() == 5
    for customer in five:
        assert customer.phone not in stored
        assert customer.display_name not in stored


def test_a_merge_made_before_snapshots_kept_values_is_still_undone_exactly(
    sales: User, five: list[Customer]
) -> None:
    ids = [c.pk for c in five]
    exact_before = {str(pk): customer_rows([pk])[pk] for pk in ids}
    merge = merge_customers(actor=sales, customer_ids=ids, survivor_id=ids[0])
    # as the previous release stored it: envelopes only, fingerprints of the envelopes
    for snapshot in merge.snapshots.all():
        snapshot.rows = {label: _cells(rows, ENVELOPE) for label, rows in snapshot.rows.items()}
        snapshot.save(update_fields=["rows"])
    after = customer_rows([str(pk) for pk in ids])
    merge.after_digests = {
        pk: {label: _legacy_fingerprint(rows) for label, rows in tables.items()}
        for pk, tables in after.items()
    }
    merge.save(update_fields=["after_digests"])

    undo_merge(actor=sales, merge_id=merge.pk)
    for pk in ids:
        restored = customer_rows([pk])[pk]
        for label, rows in exact_before[str(pk)].items():
            if label == CUSTOMER:
                continue  # its version and update time moved on (retired and restored)
            assert _cells(restored[label], ENVELOPE) == _cells(rows, ENVELOPE), label


def test_a_changed_record_still_refuses_the_undo_after_rotation(
    sales: User, five: list[Customer], settings: Any
) -> None:
    ids = [c.pk for c in five]
    merge = merge_customers(actor=sales, customer_ids=ids, survivor_id=ids[0])
    use_keys(settings, f"B:{KEY_B},A:{KEY_A}")
    rotation.rotate_keys(writers=1)
    note = Interaction.objects.filter(customer_id=ids[0]).first()
    assert note is not None
    note.notes = "changed after the merge"
    note.save(update_fields=["notes"])
    with pytest.raises(Conflict) as refused:
        undo_merge(actor=sales, merge_id=merge.pk)
    assert refused.value.code == "merge_changed_since"
