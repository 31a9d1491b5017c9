"""Events are written with the change and announced only once it commits."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.db import transaction

from dossier.core.actors import system_actor
from dossier.outbox import services
from dossier.outbox.models import Event
from dossier.outbox.payloads import payload_for, register_payload

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard() -> Iterator[list[int]]:
    ids: list[int] = []

    def listener(new: list[int]) -> None:
        ids.extend(new)

    services.listen(listener)
    yield ids
    services.unlisten(listener)


def test_listeners_hear_of_committed_events_only(heard: list[int]) -> None:
    with transaction.atomic():
        event = services.publish(name="customer.created", actor=None, object_type="customer")
        assert heard == []
    assert heard == [event.pk]

    with pytest.raises(RuntimeError), transaction.atomic():
        services.publish(name="order.created", actor=None, object_type="order")
        raise RuntimeError("the write failed")
    assert heard == [event.pk]
    assert list(Event.objects.values_list("name", flat=True)) == ["customer.created"]


def test_an_unknown_event_name_is_refused(heard: list[int]) -> None:
    with pytest.raises(ValueError, match=r"order\.exploded"):
        services.publish(name="order.exploded", actor=None)
    assert not Event.objects.exists() and heard == []


def test_payload_says_none_when_the_receiver_may_not_see_the_object() -> None:
    register_payload("secret", lambda receiver, event: None)
    register_payload("open", lambda receiver, event: {"status": "paid"})
    actor = system_actor("tests")
    hidden = services.publish(name="order.created", actor=actor, object_type="secret")
    shown = services.publish(
        name="ticket.changed", actor=actor, object_type="open", object_id=7, data={"to": "done"}
    )
    assert payload_for(actor, hidden) is None
    body = payload_for(actor, shown)
    assert body is not None
    assert body["object"] == {"type": "open", "id": "7", "status": "paid"}
    assert (body["event"], body["changes"]) == ("ticket.changed", {"to": "done"})


def test_a_batch_is_stored_as_sent_and_announced_by_id_after_commit(heard: list[int]) -> None:
    actor = system_actor("tests")
    earlier = services.publish(name="order.created", actor=None, object_type="order", object_id=0)
    with transaction.atomic():
        ids = services.publish_batch(
            actor=actor,
            events=[
                {"name": "order.created", "object_type": "order", "object_id": n, "data": {"n": n}}
                for n in (1, 2, 3)
            ],
        )
        assert heard == [earlier.pk]
    assert heard == [earlier.pk, *ids] and len(set(ids)) == 3 and earlier.pk not in ids
    stored = {e.pk: e for e in Event.objects.filter(pk__in=ids)}
    assert [(stored[pk].object_id, stored[pk].data) for pk in ids] == [
        ("1", {"n": 1}),
        ("2", {"n": 2}),
        ("3", {"n": 3}),
    ]
    assert all(e.occurred_at is not None and e.name == "order.created" for e in stored.values())
    # the sequence moved past the batch: the next event gets a new id
    after = services.publish(name="order.created", actor=None, object_type="order")
    assert after.pk not in ids


def test_a_batch_with_an_unknown_event_name_writes_nothing(heard: list[int]) -> None:
    with pytest.raises(ValueError, match=r"order\.exploded"):
        services.publish_batch(
            actor=None,
            events=[{"name": "order.created"}, {"name": "order.exploded"}],
        )
    assert not Event.objects.exists() and heard == []


ODD_TEXTS = ["a\\b", "tab\there", "line\nbreak", "cr\rhere", "\\N", "中文 \\\\ 值", ""]


def test_a_batch_keeps_texts_copy_would_escape(heard: list[int]) -> None:
    """Backslashes, tabs and line breaks in ids and data arrive as sent (COPY's text format),
    whether the data comes as values or as ready JSON text."""
    with transaction.atomic():
        ids = services.publish_batch(
            actor=None,
            events=[
                {
                    "name": "order.created",
                    "object_type": "order",
                    "object_id": text,
                    "data": {"t": text},
                }
                for text in ODD_TEXTS
            ]
            + [
                {
                    "name": "order.created",
                    "object_type": "order",
                    "object_id": "ready",
                    "data_json": json.dumps({"t": text}),
                }
                for text in ODD_TEXTS
            ],
        )
    stored = {e.pk: e for e in Event.objects.filter(pk__in=ids)}
    got = [(stored[pk].object_id, stored[pk].data) for pk in ids]
    want = [(text, {"t": text}) for text in ODD_TEXTS] + [("ready", {"t": t}) for t in ODD_TEXTS]
    assert got == want


def test_a_listener_for_some_names_hears_only_commits_that_wrote_one() -> None:
    told: list[list[int]] = []

    def listener(new: list[int]) -> None:
        told.append(new)

    services.listen(listener, names=["customer.created"])
    try:
        with transaction.atomic():
            services.publish_batch(actor=None, events=[{"name": "order.created"}] * 3)
        assert told == []
        with transaction.atomic():
            ids = services.publish_batch(
                actor=None, events=[{"name": "order.created"}, {"name": "customer.created"}]
            )
        assert told == [ids]
        event = services.publish(name="customer.created", actor=None)
        assert told == [ids, [event.pk]]
    finally:
        services.unlisten(listener)
