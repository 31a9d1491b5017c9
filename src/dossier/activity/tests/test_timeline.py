"""The timeline: newest first, paged by cursor, filtered by kind, only for who may see."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dossier.activity import selectors, services
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.activity.services import record_entries
from dossier.core import roles
from dossier.core.errors import NotFound, ValidationFailed
from dossier.customers.registry import erase_rows, export_sections

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def owner(make_user: Any) -> Any:
    return make_user("owner", roles.SALES)


@pytest.fixture
def customer(owner: Any, make_customer: Any) -> Any:
    customer = make_customer(owner)
    # 25 entries, two of them at the same instant (the cursor must not skip or repeat)
    entries = [
        {
            "customer_id": customer.pk,
            "kind": "order" if n % 2 else "interaction",
            "object_id": n,
            "occurred_at": START + timedelta(hours=min(n, 20)),
        }
        for n in range(25)
    ]
    record_entries(entries)
    return customer


def test_pages_cover_every_entry_once_newest_first(owner: Any, customer: Any) -> None:
    seen: list[TimelineEntry] = []
    cursor = None
    while True:
        page = selectors.timeline_page(actor=owner, customer_id=customer.pk, cursor=cursor, limit=7)
        seen.extend(page.entries)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(int(e.object_id) for e in seen) == list(range(25))
    keys = [(e.occurred_at, e.pk) for e in seen]
    assert keys == sorted(keys, reverse=True)


def test_filter_by_kind(owner: Any, customer: Any) -> None:
    page = selectors.timeline_page(actor=owner, customer_id=customer.pk, kinds=["order"], limit=50)
    assert {e.kind for e in page.entries} == {"order"} and len(page.entries) == 12


def test_someone_who_may_not_see_the_customer_gets_not_found(customer: Any, make_user: Any) -> None:
    stranger = make_user("stranger", roles.SALES, team="west")
    with pytest.raises(NotFound):
        selectors.timeline_page(actor=stranger, customer_id=customer.pk)


def test_a_forged_cursor_is_a_validation_error(owner: Any, customer: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        selectors.timeline_page(actor=owner, customer_id=customer.pk, cursor="bm90LWEtY3Vyc29y")
    assert caught.value.errors[0].field == "cursor"


def test_recording_the_same_object_twice_in_a_batch_keeps_one_entry(customer: Any) -> None:
    entry = {"customer_id": customer.pk, "kind": "order", "object_id": 1, "occurred_at": START}
    record_entries([entry])
    assert TimelineEntry.objects.filter(kind="order", object_id="1").count() == 1


def test_update_and_remove_entries(customer: Any) -> None:
    services.update_entry(kind="order", object_id=1, summary={"status": "shipped"})
    assert TimelineEntry.objects.get(kind="order", object_id="1").summary == {"status": "shipped"}
    assert services.remove_entries(kind="order", object_ids=[1, 3]) == 2


def test_erasure_drops_the_timeline_but_keeps_figures_and_export_has_them(customer: Any) -> None:
    CustomerFigures.objects.create(customer=customer, order_count=2)
    assert export_sections(customer)["figures"]["order_count"] == 2
    erase_rows([customer.pk])
    assert not TimelineEntry.objects.filter(customer=customer).exists()
    assert CustomerFigures.objects.get(pk=customer.pk).order_count == 2


def test_new_entries_keep_texts_copy_would_escape(owner: Any, make_customer: Any) -> None:
    """Backslashes, tabs and line breaks in ids and summaries arrive as sent (COPY's text
    format), whether the summary comes as a value or as ready JSON text."""
    person = make_customer(owner)
    odd = ["a\\b", "tab\there", "line\nbreak", "cr\rhere", "\\N", "中文 \\\\ 值"]
    entries: list[dict[str, Any]] = [
        {
            "customer_id": person.pk,
            "kind": "order",
            "object_id": f"v{text}",
            "occurred_at": START,
            "summary": {"t": text},
        }
        for text in odd
    ]
    entries += [
        {
            "customer_id": str(person.pk),
            "kind": "order",
            "object_id": f"j{text}",
            "occurred_at": START,
            "summary_json": json.dumps({"t": text}),
        }
        for text in odd
    ]
    services.record_new_entries(entries)
    stored = dict(
        TimelineEntry.objects.filter(customer_id=person.pk).values_list("object_id", "summary")
    )
    assert stored == {e["object_id"]: {"t": e["object_id"][1:]} for e in entries}
