"""From committed events to deliveries, and what each delivery carries for its owner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dossier.core import roles
from dossier.customers.services import delete_customer, share_customer, update_customer
from dossier.outbox.models import Event
from dossier.outbox.services import publish, publish_many
from dossier.webhooks import services
from dossier.webhooks.models import Delivery
from dossier.webhooks.tests.conftest import Receiver, with_webhooks

pytestmark = pytest.mark.django_db
Status = Delivery.Status


def subscribe(owner: User, url: str, *events: str, active: bool = True) -> Any:
    subscription, _secret = services.create_subscription(
        actor=owner, name=f"{owner.username} {events}", url=url, events=list(events), active=active
    )
    return subscription


def test_events_go_to_active_subscriptions_that_asked_for_them(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    make_user: Callable[..., User],
    make_customer: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    created = subscribe(integrator, receiver.url, "customer.created")
    updated = subscribe(integrator, receiver.url, "customer.updated", "customer.deleted")
    paused = subscribe(integrator, receiver.url, "customer.created", active=False)
    gone = make_user("gone", roles.MANAGER, team="east")
    left = subscribe(gone, receiver.url, "customer.created")
    gone.is_active = False
    gone.save()

    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer(integrator)
    assert list(Delivery.objects.values_list("subscription", "event_name")) == [
        (created.pk, "customer.created")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        update_customer(
            actor=integrator,
            customer_id=customer.pk,
            values={"city": "杭州"},
            expected_version=customer.version,
        )
    with django_capture_on_commit_callbacks(execute=True):
        delete_customer(actor=integrator, customer_id=customer.pk)
    names = Delivery.objects.filter(subscription=updated).order_by("id")
    assert list(names.values_list("event_name", "status")) == [
        ("customer.updated", Status.DELIVERED),
        ("customer.deleted", Status.DELIVERED),
    ]
    assert not Delivery.objects.filter(subscription__in=[paused, left]).exists()
    update_body = receiver.requests[1].json()
    assert update_body["changes"] == {"changed": ["city"]}
    assert update_body["object"]["values"]["city"] == "杭州"
    delete_body = receiver.requests[2].json()
    assert delete_body["object"] == {"type": "customer", "id": str(customer.pk)}


def test_payloads_follow_the_owners_view_masked_or_not_sent_at_all(
    allow_local: None,
    receiver: Receiver,
    make_user: Callable[..., User],
    make_customer: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # the webhook permission given to users whose role lacks it: what they receive stays
    # what their role may see
    service = make_user("service-owner", roles.SERVICE, team="east")
    marketing = with_webhooks(make_user("marketing", roles.MARKETING, team="east"))
    stranger = with_webhooks(make_user("stranger", roles.SALES, team="west"))
    for owner in (marketing, stranger):
        subscribe(owner, receiver.url, "customer.updated")
    customer = make_customer(service, display_name="李小龙", phone="13800138000")
    share_customer(actor=service, customer_id=customer.pk, user=marketing)

    with django_capture_on_commit_callbacks(execute=True):
        update_customer(
            actor=service, customer_id=customer.pk, values={"points": 5}, expected_version=1
        )

    to_marketing = Delivery.objects.get(subscription__owner=marketing)
    assert to_marketing.status == Status.DELIVERED
    to_stranger = Delivery.objects.get(subscription__owner=stranger)
    assert (to_stranger.status, to_stranger.last_error, to_stranger.attempts) == (
        Status.SKIPPED,
        "not_visible",
        0,
    )
    assert len(receiver.requests) == 1  # nothing went out for the stranger
    values = receiver.requests[0].json()["object"]["values"]
    assert values["phone"] == "138****8000"
    assert "13800138000" not in receiver.requests[0].body.decode()


def test_a_deleted_customer_is_told_only_to_those_who_could_see_it(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    make_user: Callable[..., User],
    make_customer: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    outsider = with_webhooks(make_user("west-sales", roles.SALES, team="west"))
    subscribe(integrator, receiver.url, "customer.deleted")
    subscribe(outsider, receiver.url, "customer.deleted")
    customer = make_customer(integrator)
    with django_capture_on_commit_callbacks(execute=True):
        delete_customer(actor=integrator, customer_id=customer.pk)
    statuses = dict(Delivery.objects.values_list("subscription__owner__username", "status"))
    assert statuses == {"integrator": Status.DELIVERED, "west-sales": Status.SKIPPED}
    assert receiver.requests[0].json()["object"] == {"type": "customer", "id": str(customer.pk)}


def test_an_owner_who_leaves_stops_the_deliveries_already_queued(
    allow_local: None, receiver: Receiver, integrator: User
) -> None:
    subscribe(integrator, receiver.url, "task.due")
    event = publish(name="task.due", actor=None, object_type="task", object_id=1)
    delivery = services.fan_out([event.pk])[0]
    integrator.is_active = False
    integrator.save()
    services.attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_error) == (Status.SKIPPED, "owner_inactive")
    assert receiver.requests == []


def test_fan_out_takes_the_same_queries_for_one_event_or_fifty(
    allow_local: None, receiver: Receiver, integrator: User
) -> None:
    for _n in range(3):
        subscribe(integrator, receiver.url, "order.created", "ticket.changed")
    counts = []
    for size in (1, 50):
        events = publish_many(
            actor=None,
            events=[{"name": "order.created", "object_type": "order"}] * size,
        )
        with CaptureQueriesContext(connection) as queries:
            made = services.fan_out([e.pk for e in events])
        assert len(made) == 3 * size
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 5  # subscriptions, events, one insert (and a savepoint)


def test_a_failing_fan_out_is_logged_and_the_write_stands(
    integrator: User,
    monkeypatch: Any,
    caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(ids: Any) -> Any:
        raise RuntimeError("database went away")

    monkeypatch.setattr("dossier.webhooks.services.fanout.fan_out", broken)
    with django_capture_on_commit_callbacks(execute=True):
        event = publish(name="order.created", actor=None, object_type="order")
    assert Event.objects.filter(pk=event.pk).exists()
    assert "webhook fan-out failed for 1 event(s)" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_sends_nothing(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    make_customer: Callable[..., Any],
) -> None:
    subscribe(integrator, receiver.url, "customer.created")
    with pytest.raises(RuntimeError), transaction.atomic():
        make_customer(integrator, display_name="回滚客户")
        raise RuntimeError("the rest of the use case failed")
    assert not Delivery.objects.exists() and receiver.requests == []

    customer = make_customer(integrator, display_name="提交客户")  # commits for real
    delivery = Delivery.objects.get()
    assert delivery.status == Status.DELIVERED
    assert [r.json()["customer_id"] for r in receiver.requests] == [str(customer.pk)]


def test_an_event_about_a_customer_the_owner_cannot_see_is_never_sent(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    make_user: Callable[..., User],
    make_customer: Callable[..., Any],
) -> None:
    # "coupon" has no payload builder: the customer's visibility still decides
    subscribe(integrator, receiver.url, "order.created")
    theirs = make_customer(make_user("west-seller", roles.SALES, team="west"))
    ours = make_customer(integrator)
    unseen, seen = (
        publish(
            name="order.created",
            actor=None,
            customer_id=c.pk,
            object_type="coupon",
            object_id=n,
            data={"status": "paid"},
        )
        for n, c in enumerate((theirs, ours))
    )
    for event in (unseen, seen):
        services.attempt_delivery(delivery_id=services.fan_out([event.pk])[0].pk)
    statuses = list(Delivery.objects.order_by("id").values_list("status", "last_error"))
    assert statuses == [(Status.SKIPPED, "not_visible"), (Status.DELIVERED, "")]
    [request] = receiver.requests
    assert request.json()["customer_id"] == str(ours.pk)
    assert str(theirs.pk) not in request.body.decode()


def test_a_batch_of_events_is_queued_a_chunk_a_task_and_each_still_delivered_alone(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A bulk sync's events: one task per 50 deliveries after the commit, not one per event;
    the receiver still gets one signed request per event, with its own delivery id."""
    subscribe(integrator, receiver.url, "order.created")
    events = publish_many(
        actor=None,
        events=[
            {"name": "order.created", "object_type": "probe", "object_id": n} for n in range(120)
        ],
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    default_task_backend.clear()  # type: ignore[attr-defined]
    with django_capture_on_commit_callbacks(execute=True):
        made = services.fan_out([e.pk for e in events])
    assert len(made) == 120
    queued = default_task_backend.results  # type: ignore[attr-defined]
    assert [(r.task.name, len(r.args[0])) for r in queued] == [
        ("deliver_webhooks", 50),
        ("deliver_webhooks", 50),
        ("deliver_webhooks", 20),
    ]
    from dossier.webhooks.tasks import deliver_webhooks

    for result in queued:
        deliver_webhooks.call(*result.args)
    assert len(receiver.requests) == 120
    sent = {r.headers["X-Dossier-Delivery"] for r in receiver.requests}
    assert sent == {str(d.pk) for d in made}
    assert set(Delivery.objects.values_list("status", flat=True)) == {Status.DELIVERED}
