"""Log-in lock-out as an attacker meets it: no way round it by spelling, no way to turn it
against everyone behind one address; the consent code confirmation gets the same."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory

from dossier.accounts import login_guard
from dossier.accounts.services import create_user
from dossier.audit.models import AuditEvent
from dossier.conftest import PASSWORD
from dossier.core import roles
from dossier.core.errors import ValidationFailed
from dossier.core.pages import client_ip

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def log_in(username: str, password: str, ip: str = "10.0.0.7", **extra: Any) -> Any:
    return Client().post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


# --- one spelling of a name -----------------------------------------------------------------


def test_full_width_or_capitals_do_not_get_round_a_locked_name(
    make_user: Callable[..., User],
) -> None:
    make_user("service", roles.SERVICE)
    for _attempt in range(login_guard.MAX_FAILURES_PER_NAME):
        assert log_in("service", "wrong-password").status_code == 200
    for spelling in ("ｓｅｒｖｉｃｅ", "SERVICE", "Service ", "ＳＥＲＶＩＣＥ"):
        response = log_in(spelling, PASSWORD, ip="10.0.0.99")
        assert response.status_code == 429, spelling
        assert "_auth_user_id" not in response.client.session


def test_names_are_stored_and_looked_up_normalised(make_user: Callable[..., User]) -> None:
    user = create_user(username="Ｗａｎｇ.Wei", password=PASSWORD, role=roles.SALES)
    assert user.username == "wang.wei"
    with pytest.raises(ValidationFailed):
        create_user(username="WANG.WEI", password=PASSWORD, role=roles.SALES)
    with pytest.raises(ValidationFailed):
        create_user(username="  ", password=PASSWORD, role=roles.SALES)
    for spelling in ("wang.wei", "WANG.WEI", "ｗａｎｇ.ｗｅｉ"):
        assert log_in(spelling, PASSWORD).status_code == 302, spelling
    assert log_in("wang.wei", "wrong-password").status_code == 200


def test_createuser_normalises_the_name(db: Any) -> None:
    call_command("createuser", "ＳＥＲＶＩＣＥ", "--role", "service", "--password", PASSWORD + "x")
    assert User.objects.filter(username="service").exists()
    with pytest.raises(CommandError, match="already exists"):
        call_command("createuser", "Service", "--role", "service", "--password", PASSWORD + "x")
    assert User.objects.count() == 1


def test_a_name_stored_before_normalisation_still_logs_in(make_user: Callable[..., User]) -> None:
    legacy = make_user("legacy", roles.SALES)
    User.objects.filter(pk=legacy.pk).update(username="Legacy.Name")
    assert log_in("Legacy.Name", PASSWORD).status_code == 302


# --- one address shared by many -------------------------------------------------------------


def test_random_name_guesses_from_the_proxy_never_lock_out_the_admins_password(
    make_user: Callable[..., User],
) -> None:
    make_user("boss", roles.ADMIN)
    for n in range(40):
        log_in(f"guess-{n}", "wrong-password", ip="10.0.0.1")
    response = log_in("boss", PASSWORD, ip="10.0.0.1")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor_name="boss").exists()


def test_a_hot_address_slows_names_that_failed_with_a_growing_wait(
    make_user: Callable[..., User], monkeypatch: Any
) -> None:
    make_user("li.na", roles.SALES)
    now = [1_000_000.0]
    monkeypatch.setattr(login_guard.time, "time", lambda: now[0])
    assert log_in("li.na", "wrong-password").status_code == 200
    for n in range(login_guard.FREE_FAILURES_PER_ADDRESS):
        log_in(f"guess-{n}", "wrong-password")
    first = log_in("li.na", PASSWORD)
    assert first.status_code == 429
    first_wait = int(first["Retry-After"])
    assert first_wait >= 2
    for n in range(3):
        log_in(f"more-{n}", "wrong-password")
    second = log_in("li.na", PASSWORD)
    assert second.status_code == 429 and int(second["Retry-After"]) > first_wait
    # from another address, or once the wait is over, the right password works
    assert log_in("li.na", PASSWORD, ip="10.0.0.8").status_code == 302
    now[0] += int(second["Retry-After"])
    assert log_in("li.na", PASSWORD).status_code == 302


def test_the_wait_is_shown_in_chinese(make_user: Callable[..., User]) -> None:
    make_user("li.na", roles.SALES)
    for _attempt in range(login_guard.MAX_FAILURES_PER_NAME):
        log_in("li.na", "wrong-password")
    response = log_in("li.na", PASSWORD, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert int(response["Retry-After"]) > 0


# --- the client's address: X-Forwarded-For only from trusted proxies ------------------------


def test_a_forged_forwarded_for_header_is_ignored(make_user: Callable[..., User]) -> None:
    make_user("li.na", roles.SALES)
    for n in range(login_guard.MAX_FAILURES_PER_NAME + login_guard.FREE_FAILURES_PER_ADDRESS):
        log_in(f"g-{n}", "wrong", ip="203.0.113.9", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert login_guard.failures("address", "203.0.113.9") == 15
    assert login_guard.failures("address", "192.0.2.1") == 0
    failed = AuditEvent.objects.filter(action="login_failed")
    assert set(failed.values_list("ip", flat=True)) == {"203.0.113.9"}


def test_trusted_proxies_report_the_client(settings: Any) -> None:
    settings.DOSSIER_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::1"]
    factory = RequestFactory()

    def ip(remote: str, forwarded: str | None = None) -> str | None:
        extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
        return client_ip(factory.get("/", REMOTE_ADDR=remote, **extra))

    assert ip("10.1.1.1", "198.51.100.4") == "198.51.100.4"
    # the client wrote its own header: only what the trusted proxy appended counts
    assert ip("10.1.1.1", "6.6.6.6, 198.51.100.4") == "198.51.100.4"
    assert ip("10.1.1.1", "198.51.100.4, 10.2.2.2") == "198.51.100.4"
    assert ip("2001:db8::1", "198.51.100.4") == "198.51.100.4"
    assert ip("10.1.1.1", "not-an-address") == "10.1.1.1"
    assert ip("10.1.1.1", "") == "10.1.1.1"
    assert ip("203.0.113.5", "198.51.100.4") == "203.0.113.5"  # not a proxy of ours
    settings.DOSSIER_TRUSTED_PROXIES = ["not-a-network"]
    assert ip("10.1.1.1", "198.51.100.4") == "10.1.1.1"


def test_log_in_through_a_trusted_proxy_counts_the_real_client(
    make_user: Callable[..., User], settings: Any
) -> None:
    settings.DOSSIER_TRUSTED_PROXIES = ["10.0.0.0/8"]
    make_user("li.na", roles.SALES)
    log_in("li.na", "wrong", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert AuditEvent.objects.get(action="login_failed").ip == "198.51.100.4"
    assert login_guard.failures("address", "198.51.100.4") == 1
    assert login_guard.failures("address", "10.0.0.1") == 0
