"""Webhook pages: create (secret once), pause, remove, test, the delivery log and redeliver."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.core import roles
from dossier.outbox.services import publish
from dossier.webhooks import services
from dossier.webhooks.models import Delivery, Subscription
from dossier.webhooks.tests.conftest import Receiver

pytestmark = pytest.mark.django_db
# events about an object no app draws a payload for: these tests are about delivery, and
# the apps that own tasks and tickets refuse to describe rows that do not exist
PROBE = "probe"

PUBLIC_URL = "https://93.184.215.14/hooks"
HTMX = {"HX-Request": "true"}


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_creating_on_the_page_shows_the_secret_once(integrator: User) -> None:
    client = signed_in(integrator)
    answer = client.post(
        "/webhooks/",
        {"name": "门店系统", "url": PUBLIC_URL, "events": ["customer.created", "order.created"]},
    )
    assert answer.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.events == ["customer.created", "order.created"]
    assert subscription.secret in answer.content.decode()
    again = client.get("/webhooks/").content.decode()
    assert "门店系统" in again and subscription.secret not in again


def test_a_refused_target_is_shown_on_its_field_and_the_form_kept(integrator: User) -> None:
    client = signed_in(integrator)
    answer = client.post(
        "/webhooks/", {"name": "内网", "url": "https://169.254.169.254/", "events": []}
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "169.254.169.254" in text  # kept in the box, and named in the message
    assert re.search(r'class="field wide has-error"', text)  # the events box
    assert "webhooks are not sent there" in text
    assert not Subscription.objects.exists()


def test_pause_resume_and_remove(integrator: User) -> None:
    subscription, _secret = services.create_subscription(
        actor=integrator, name="ERP", url=PUBLIC_URL, events=["task.due"]
    )
    client = signed_in(integrator)
    assert client.post(f"/webhooks/{subscription.pk}/toggle/").status_code == 302
    assert Subscription.objects.get().active is False
    client.post(f"/webhooks/{subscription.pk}/toggle/")
    assert Subscription.objects.get().active is True
    assert client.post(f"/webhooks/{subscription.pk}/delete/").status_code == 302
    assert not Subscription.objects.exists()


def test_delivery_log_shows_attempts_and_redelivers_with_htmx(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    subscription, receiver.secret = services.create_subscription(
        actor=integrator, name="ERP", url=receiver.url, events=["ticket.changed"]
    )
    receiver.statuses = [500]
    event = publish(name="ticket.changed", actor=None, object_type=PROBE, object_id=3)
    delivery = services.fan_out([event.pk])[0]
    services.attempt_delivery(delivery_id=delivery.pk)
    Delivery.objects.filter(pk=delivery.pk).update(status="failed")

    client = signed_in(integrator)
    log = client.get(f"/webhooks/{subscription.pk}/deliveries/").content.decode()
    assert "ticket.changed" in log and "HTTP 500" in log
    assert f'hx-post="/webhooks/deliveries/{delivery.pk}/redeliver/"' in log

    with django_capture_on_commit_callbacks(execute=True):
        row = client.post(f"/webhooks/deliveries/{delivery.pk}/redeliver/", headers=HTMX)
    assert row.status_code == 200
    fresh = Delivery.objects.get(redelivery_of=delivery)
    assert row.content.decode().startswith(f'<tr id="delivery-{fresh.pk}">')
    assert Delivery.objects.get(pk=fresh.pk).status == "delivered"
    assert len(receiver.requests) == 2


def test_ping_with_htmx_answers_the_result_in_place(
    allow_local: None, receiver: Receiver, integrator: User
) -> None:
    subscription, receiver.secret = services.create_subscription(
        actor=integrator, name="ERP", url=receiver.url, events=["task.due"]
    )
    client = signed_in(integrator)
    answer = client.post(f"/webhooks/{subscription.pk}/ping/", headers=HTMX)
    assert answer.status_code == 200
    assert "delivered" in answer.content.decode() and "HTTP 200" in answer.content.decode()
    receiver.statuses = [404]
    plain = client.post(f"/webhooks/{subscription.pk}/ping/", follow=True)
    assert "Test event not delivered: HTTP 404" in plain.content.decode()


def test_pages_speak_chinese(integrator: User) -> None:
    services.create_subscription(actor=integrator, name="ERP", url=PUBLIC_URL, events=["task.due"])
    client = signed_in(integrator)
    text = client.get("/webhooks/", headers={"Accept-Language": "zh-hans"}).content.decode()
    for words in ("新建 Webhook", "签名", "投递记录", "暂停"):
        assert words in text, words


def test_every_cell_of_the_lists_is_labelled_for_the_phone_layout(integrator: User) -> None:
    subscription, _secret = services.create_subscription(
        actor=integrator, name="ERP", url=PUBLIC_URL, events=["task.due"]
    )
    Delivery.objects.create(subscription=subscription, event_name="ping", status="failed")
    client = signed_in(integrator)
    for url in ("/webhooks/", f"/webhooks/{subscription.pk}/deliveries/"):
        text = client.get(url).content.decode()
        cells = re.findall(r"<td( data-label=\"[^\"]+\")?>", text)
        assert cells and sum(1 for c in cells if not c) == 1, url  # only the buttons' cell


def test_roles_that_may_not_keep_webhooks_get_the_403_page(
    make_user: Callable[..., User],
) -> None:
    client = signed_in(make_user("seller", roles.SALES))
    answer = client.get("/webhooks/")
    assert answer.status_code == 403
    assert "You may not manage webhooks." in answer.content.decode()
