"""Delivery to a real HTTP receiver: signed, retried with growing waits, logged, SSRF-checked."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from dossier.outbox.services import publish
from dossier.webhooks import addresses, policy, services
from dossier.webhooks.models import Delivery, DeliveryAttempt
from dossier.webhooks.tests.conftest import Receiver, public_resolver

pytestmark = pytest.mark.django_db
# events about an object no app draws a payload for: these tests are about delivery, and
# the apps that own tasks and tickets refuse to describe rows that do not exist
PROBE = "probe"

Status = Delivery.Status


def subscribe(owner: User, url: str, events: tuple[str, ...] = ("customer.created",)) -> Any:
    subscription, secret = services.create_subscription(
        actor=owner, name="CRM 同步", url=url, events=list(events)
    )
    return subscription, secret


def test_a_receiver_that_fails_twice_gets_three_signed_attempts_with_growing_waits(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    make_customer: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription, receiver.secret = subscribe(integrator, receiver.url)
    receiver.statuses = [500, 503, 200]
    with django_capture_on_commit_callbacks(execute=True):
        customer = make_customer(integrator, display_name="王小明", phone="13800138000")

    delivery = Delivery.objects.get(subscription=subscription)
    first = DeliveryAttempt.objects.get(delivery=delivery, number=1)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.PENDING,
        1,
        500,
    )
    assert delivery.next_attempt_at == first.started_at + timedelta(minutes=1)

    # nothing is due a second early; at the due time the second attempt goes out
    assert services.deliver_due(now=delivery.next_attempt_at - timedelta(seconds=1)) == 0
    assert services.deliver_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    second = DeliveryAttempt.objects.get(delivery=delivery, number=2)
    assert (delivery.status, delivery.last_status_code) == (Status.PENDING, 503)
    assert delivery.next_attempt_at == second.started_at + timedelta(minutes=5)

    assert services.deliver_due(now=delivery.next_attempt_at) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        Status.DELIVERED,
        3,
        200,
    )
    assert delivery.next_attempt_at is None and delivery.finished_at is not None
    log = list(delivery.attempt_log.values_list("number", "status_code", "error"))
    assert log == [(1, 500, "http_500"), (2, 503, "http_503"), (3, 200, "")]

    assert len(receiver.requests) == 3
    assert all(r.signature_ok for r in receiver.requests)  # checked by the documented snippet
    assert {r.headers["X-Dossier-Delivery"] for r in receiver.requests} == {str(delivery.pk)}
    assert {r.headers["X-Dossier-Event"] for r in receiver.requests} == {"customer.created"}
    assert {r.path for r in receiver.requests} == {"/hooks/dossier"}
    body = receiver.requests[-1].json()
    assert (body["event"], body["customer_id"]) == ("customer.created", str(customer.pk))
    assert body["object"]["type"] == "customer"
    assert body["object"]["values"]["display_name"] == "王小明"
    assert body["object"]["values"]["phone"] == "+8613800138000"  # the manager sees it whole


def test_the_waits_grow_and_the_delivery_is_given_up_after_the_last_attempt(
    allow_local: None, receiver: Receiver, integrator: User, settings: Any
) -> None:
    assert [policy.retry_delay(n) for n in range(1, 7)] == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
        timedelta(hours=12),
    ]
    settings.DOSSIER_WEBHOOKS_MAX_ATTEMPTS = 3
    subscription, receiver.secret = subscribe(integrator, receiver.url, ("order.created",))
    receiver.statuses = [500, 500, 500, 500]
    event = publish(name="order.created", actor=None, object_type=PROBE, object_id=1)
    services.fan_out([event.pk])
    delivery = Delivery.objects.get(subscription=subscription)
    for _ in range(3):
        delivery.refresh_from_db()
        services.deliver_due(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 3)
    assert delivery.next_attempt_at is None
    assert services.deliver_due(now=timezone.now() + timedelta(days=2)) == 0
    assert len(receiver.requests) == 3


def test_a_retry_waits_in_a_task_queue_that_can_wait(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _subscription, receiver.secret = subscribe(integrator, receiver.url, ("order.created",))
    receiver.statuses = [502]
    event = publish(name="order.created", actor=None, object_type=PROBE, object_id=2)
    delivery = services.fan_out([event.pk])[0]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    queued = default_task_backend.results  # type: ignore[attr-defined]
    assert [(r.task.name, r.args, r.task.run_after) for r in queued] == [
        ("deliver_webhook", [delivery.pk], delivery.next_attempt_at)
    ]


def test_a_redirect_is_not_followed(
    allow_local: None, receiver: Receiver, integrator: User
) -> None:
    _subscription, receiver.secret = subscribe(integrator, receiver.url, ("order.created",))
    receiver.statuses = [302]
    receiver.extra_headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    event = publish(name="order.created", actor=None, object_type=PROBE, object_id=3)
    delivery = services.fan_out([event.pk])[0]
    services.attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_status_code, delivery.last_error) == (
        Status.PENDING,
        302,
        "redirect_not_followed",
    )
    assert len(receiver.requests) == 1


def test_a_slow_receiver_times_out(
    allow_local: None, receiver: Receiver, integrator: User, settings: Any
) -> None:
    settings.DOSSIER_WEBHOOKS_TIMEOUT = 0.3
    receiver.delay = 1.0
    _subscription, receiver.secret = subscribe(integrator, receiver.url, ("order.created",))
    event = publish(name="order.created", actor=None, object_type=PROBE, object_id=4)
    delivery = services.fan_out([event.pk])[0]
    services.attempt_delivery(delivery_id=delivery.pk)
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert (attempt.status_code, attempt.error) == (None, "timeout")
    assert attempt.duration_ms < 1000


def test_the_target_is_checked_again_before_sending_dns_rebinding(
    integrator: User, monkeypatch: Any, receiver: Receiver
) -> None:
    # saved while the name pointed to a public address …
    monkeypatch.setattr(addresses, "system_resolver", public_resolver("93.184.215.14"))
    _subscription, _secret = subscribe(integrator, "https://hooks.example.com/in", ("task.due",))
    # … which now answers with the metadata service's address
    monkeypatch.setattr(addresses, "system_resolver", public_resolver("169.254.169.254"))
    sent: list[Any] = []
    monkeypatch.setattr("dossier.webhooks.services.delivery.post", lambda *a, **k: sent.append(a))
    event = publish(name="task.due", actor=None, object_type=PROBE, object_id=5)
    delivery = services.fan_out([event.pk])[0]
    services.attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert sent == []
    assert delivery.last_error == "refused: url_private_address"
    assert delivery.attempt_log.get().status_code is None


def test_a_private_target_saved_under_the_setting_is_refused_once_it_is_off(
    allow_local: None, receiver: Receiver, integrator: User, settings: Any
) -> None:
    _subscription, receiver.secret = subscribe(integrator, receiver.url, ("task.due",))
    settings.DOSSIER_WEBHOOKS_ALLOW_PRIVATE = False
    event = publish(name="task.due", actor=None, object_type=PROBE, object_id=6)
    delivery = services.fan_out([event.pk])[0]
    services.attempt_delivery(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.last_error == "refused: url_private_address"
    assert receiver.requests == []


def test_two_workers_never_send_one_delivery_twice(
    allow_local: None, receiver: Receiver, integrator: User
) -> None:
    _subscription, receiver.secret = subscribe(integrator, receiver.url, ("task.due",))
    event = publish(name="task.due", actor=None, object_type=PROBE, object_id=7)
    delivery = services.fan_out([event.pk])[0]
    assert services.attempt_delivery(delivery_id=delivery.pk) is not None
    assert services.attempt_delivery(delivery_id=delivery.pk) is None  # delivered already
    assert len(receiver.requests) == 1


def test_a_stopped_workers_claim_is_taken_back_by_the_sweep(
    allow_local: None, receiver: Receiver, integrator: User
) -> None:
    _subscription, receiver.secret = subscribe(integrator, receiver.url, ("task.due",))
    event = publish(name="task.due", actor=None, object_type=PROBE, object_id=8)
    delivery = services.fan_out([event.pk])[0]
    claimed = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(status=Status.SENDING, claimed_at=claimed)
    assert services.deliver_due(now=claimed + timedelta(minutes=1)) == 0  # still working
    assert services.deliver_due(now=claimed + timedelta(minutes=11)) == 1
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and len(receiver.requests) == 1


def test_the_secret_never_reaches_a_log(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.statuses = [500]
    subscription, secret = subscribe(integrator, receiver.url, ("task.due",))
    receiver.secret = secret
    event = publish(name="task.due", actor=None, object_type=PROBE, object_id=9)
    delivery = services.fan_out([event.pk])[0]
    services.attempt_delivery(delivery_id=delivery.pk)
    services.ping(actor=integrator, subscription_id=subscription.pk)
    assert receiver.requests and all(r.signature_ok for r in receiver.requests)
    assert secret not in caplog.text
    stored = json.dumps(list(Delivery.objects.values()), default=str)
    assert secret not in stored


def test_https_is_spoken_to_the_checked_address_and_a_failed_handshake_is_logged(
    allow_local: None, receiver: Receiver, integrator: User
) -> None:
    # the test receiver speaks plain HTTP: TLS to it fails, and says so
    url = receiver.url.replace("http://", "https://")
    _subscription, _secret = subscribe(integrator, url, ("task.due",))
    event = publish(name="task.due", actor=None, object_type=PROBE, object_id=10)
    delivery = services.fan_out([event.pk])[0]
    services.attempt_delivery(delivery_id=delivery.pk)
    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None and attempt.error.startswith("tls_error")


def test_the_command_sends_what_is_due(
    allow_local: None, receiver: Receiver, integrator: User
) -> None:
    _subscription, receiver.secret = subscribe(integrator, receiver.url, ("task.due",))
    event = publish(name="task.due", actor=None, object_type=PROBE, object_id=11)
    delivery = services.fan_out([event.pk])[0]
    out = io.StringIO()
    call_command("webhooks", "deliver-due", stdout=out)
    assert "1 webhook delivery attempt(s) made." in out.getvalue()
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED and receiver.requests[0].signature_ok
