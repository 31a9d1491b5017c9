"""The webhooks API: own subscriptions only, the secret once, the log, ping and redeliver."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.outbox.services import publish
from dossier.webhooks import addresses, services
from dossier.webhooks.models import Delivery, Subscription
from dossier.webhooks.tests.conftest import Receiver, public_resolver

pytestmark = pytest.mark.django_db

PUBLIC_URL = "https://93.184.215.14/hooks"


def new(api: Any, **body: Any) -> Any:
    body = {"name": "ERP", "url": PUBLIC_URL, "events": ["customer.created"], **body}
    return api.post("/webhooks", body)


def test_create_answers_the_secret_once_and_never_again(
    integrator: User, api_as: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api = api_as(integrator)
    created = new(api, events=["order.created", "customer.created", "order.created"])
    assert created.status_code == 201, created.content
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_")
    assert body["events"] == ["customer.created", "order.created"]  # once each, in order
    assert (body["host"], body["active"]) == ("93.184.215.14", True)
    assert Subscription.objects.get().secret == secret  # stored (encrypted) for signing

    listed = api.get("/webhooks")
    one = api.get(f"/webhooks/{body['id']}")
    changed = api.patch(f"/webhooks/{body['id']}", {"name": "ERP 2"})
    for response in (listed, one, changed):
        assert response.status_code == 200
        assert secret not in response.content.decode()
        assert "secret" not in json.dumps(response.json())
    assert listed.json()["items"][0]["id"] == body["id"]
    assert secret not in caplog.text
    audit = json.dumps(list(AuditEvent.objects.values("changes")), ensure_ascii=False)
    assert secret not in audit and "93.184.215.14" in audit


def test_bad_input_is_refused_field_by_field(
    integrator: User, api_as: Callable[..., Any], monkeypatch: Any
) -> None:
    monkeypatch.setattr(addresses, "system_resolver", public_resolver("10.0.0.5"))
    api = api_as(integrator)
    response = new(
        api, name=" ", url="https://hooks.internal.example/x", events=["customer.exploded"]
    )
    assert response.status_code == 422
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert errors == {
        ("name", "required"),
        ("url", "url_private_address"),
        ("events", "invalid_choice"),
    }
    assert "10.0.0.5" in json.dumps(response.json())  # the message says where it leads
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://10.0.0.1/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/",
        "https://[::ffff:127.0.0.1]/",
        "https://0x7f000001/",
        "https://2130706433/",
        "https://localhost/",
    ],
)
def test_private_targets_are_refused_by_the_api(
    url: str, integrator: User, api_as: Callable[..., Any]
) -> None:
    response = new(api_as(integrator), url=url)
    assert response.status_code == 422
    assert [e["code"] for e in response.json()["errors"]] == ["url_private_address"]
    assert not Subscription.objects.exists()


def test_an_update_checks_a_new_url_again(integrator: User, api_as: Callable[..., Any]) -> None:
    api = api_as(integrator)
    pk = new(api).json()["id"]
    refused = api.patch(f"/webhooks/{pk}", {"url": "https://192.168.0.10/in"})
    assert refused.status_code == 422
    assert Subscription.objects.get().url == PUBLIC_URL
    plain = api.patch(f"/webhooks/{pk}", {"url": "http://93.184.215.14/in"})
    assert [e["code"] for e in plain.json()["errors"]] == ["url_scheme"]
    moved = api.patch(
        f"/webhooks/{pk}", {"url": "https://93.184.215.14/v2", "events": ["task.due"]}
    )
    assert moved.status_code == 200
    assert (moved.json()["url"], moved.json()["events"]) == (
        "https://93.184.215.14/v2",
        ["task.due"],
    )
    paused = api.patch(f"/webhooks/{pk}", {"active": False})
    assert paused.json()["active"] is False


def test_another_users_subscription_is_not_found(
    integrator: User, make_user: Callable[..., User], api_as: Callable[..., Any]
) -> None:
    pk = new(api_as(integrator)).json()["id"]
    delivery = Delivery.objects.create(subscription_id=pk, event_name="ping", status="failed")
    for other in (
        make_user("other-manager", roles.MANAGER, team="west"),
        make_user("root", roles.ADMIN),
    ):
        api = api_as(other)
        for call in (
            api.get(f"/webhooks/{pk}"),
            api.patch(f"/webhooks/{pk}", {"name": "mine now"}),
            api.delete(f"/webhooks/{pk}"),
            api.post(f"/webhooks/{pk}/ping"),
            api.get(f"/webhooks/{pk}/deliveries"),
            api.post(f"/webhooks/deliveries/{delivery.pk}/redeliver"),
        ):
            assert call.status_code == 404, call.content
        assert api.get("/webhooks").json()["items"] == []
    assert Subscription.objects.get().name == "ERP"
    assert Delivery.objects.count() == 1


def test_roles_without_the_permission_are_refused(
    make_user: Callable[..., User], api_as: Callable[..., Any]
) -> None:
    for role in (roles.SALES, roles.SERVICE, roles.MARKETING, roles.ANALYST):
        api = api_as(make_user(f"no-{role}", role))
        assert new(api).status_code == 403, role
        assert api.get("/webhooks").status_code == 403, role
    assert not Subscription.objects.exists()


def test_delete_removes_the_subscription_and_its_log(
    integrator: User, api_as: Callable[..., Any]
) -> None:
    api = api_as(integrator)
    pk = new(api).json()["id"]
    Delivery.objects.create(subscription_id=pk, event_name="ping", status="failed")
    assert api.delete(f"/webhooks/{pk}").status_code == 204
    assert not Subscription.objects.exists() and not Delivery.objects.exists()
    assert api.get(f"/webhooks/{pk}").status_code == 404


def test_ping_sends_a_signed_test_event_and_reports_how_it_went(
    allow_local: None, receiver: Receiver, integrator: User, api_as: Callable[..., Any]
) -> None:
    api = api_as(integrator)
    created = new(api, url=receiver.url, active=False).json()
    receiver.secret = created["secret"]
    answer = api.post(f"/webhooks/{created['id']}/ping")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["event"], body["status"], body["last_status_code"]) == ("ping", "delivered", 200)
    assert body["attempt_log"][0]["status_code"] == 200
    [request] = receiver.requests
    assert request.signature_ok
    assert request.headers["X-Dossier-Event"] == "ping"
    assert request.json()["object"]["id"] == str(created["id"])

    receiver.statuses = [500]
    failed = api.post(f"/webhooks/{created['id']}/ping").json()
    assert (failed["status"], failed["last_error"], failed["attempts"]) == ("failed", "http_500", 1)


def test_deliveries_are_paged_by_cursor_and_filtered_by_status(
    integrator: User, api_as: Callable[..., Any]
) -> None:
    api = api_as(integrator)
    pk = new(api).json()["id"]
    made = [
        Delivery.objects.create(subscription_id=pk, event_name="ping", status=status)
        for status in ("delivered", "failed", "delivered", "skipped", "delivered")
    ]
    first = api.get(f"/webhooks/{pk}/deliveries?limit=2").json()
    assert [d["id"] for d in first["items"]] == [made[4].pk, made[3].pk]
    second = api.get(f"/webhooks/{pk}/deliveries?limit=2&cursor={first['next_cursor']}").json()
    third = api.get(f"/webhooks/{pk}/deliveries?limit=2&cursor={second['next_cursor']}").json()
    assert [d["id"] for d in second["items"] + third["items"]] == [
        made[2].pk,
        made[1].pk,
        made[0].pk,
    ]
    assert third["next_cursor"] is None
    delivered = api.get(f"/webhooks/{pk}/deliveries?status=delivered").json()["items"]
    assert len(delivered) == 3
    assert api.get(f"/webhooks/{pk}/deliveries?status=exploded").status_code == 422
    assert api.get(f"/webhooks/{pk}/deliveries?cursor=abc").status_code == 422


def test_redeliver_sends_the_event_again_as_a_new_delivery(
    allow_local: None,
    receiver: Receiver,
    integrator: User,
    api_as: Callable[..., Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = api_as(integrator)
    created = new(api, url=receiver.url, events=["order.created"]).json()
    receiver.secret = created["secret"]
    receiver.statuses = [500]
    event = publish(name="order.created", actor=None, object_type="probe", object_id=77)
    original = services.fan_out([event.pk])[0]
    services.attempt_delivery(delivery_id=original.pk)
    in_progress = api.post(f"/webhooks/deliveries/{original.pk}/redeliver")
    assert (in_progress.status_code, in_progress.json()["code"]) == (409, "delivery_in_progress")

    Delivery.objects.filter(pk=original.pk).update(status="failed")
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(f"/webhooks/deliveries/{original.pk}/redeliver")
    assert again.status_code == 202
    body = again.json()
    assert (body["redelivery_of"], body["event_id"], body["status"]) == (
        original.pk,
        event.pk,
        "pending",  # queued; sent once the request's transaction commits
    )
    assert Delivery.objects.get(pk=body["id"]).status == "delivered"
    assert [r.json()["id"] for r in receiver.requests] == [event.pk, event.pk]
    assert receiver.requests[1].headers["X-Dossier-Delivery"] == str(body["id"])


def test_the_api_description_shows_how_to_verify(client: Any) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    described = schema["paths"]["/api/v1/webhooks"]["post"]["description"]
    assert "def verify(secret: str, header: str, body: bytes" in described
    assert "X-Dossier-Signature" in described
