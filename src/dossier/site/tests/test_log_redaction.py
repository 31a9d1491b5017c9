"""Log lines hold no search query values and no self-service token (issue 11, item 8)."""

from __future__ import annotations

import io
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.servers.basehttp import WSGIRequestHandler
from django.test import Client

from dossier.core import roles
from dossier.core.log_redaction import redact
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.privacy import selfservice
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
ID_NUMBER = "440305198506123451"


@pytest.fixture
def log_lines(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], str]]:
    """Every record's message and traceback text, and what runserver's handler wrote."""
    caplog.set_level(logging.DEBUG)
    server = logging.getLogger("django.server")
    server.addHandler(caplog.handler)  # it does not propagate to the root
    written = io.StringIO()
    [handler] = server.handlers[:1]
    previous = handler.setStream(written)  # type: ignore[attr-defined]

    def lines() -> str:
        records = [f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records]
        return "\n".join([*records, written.getvalue()])

    yield lines
    handler.setStream(previous)  # type: ignore[attr-defined]
    server.removeHandler(caplog.handler)


@pytest.fixture
def customer(make_user: Callable[..., User], member_template: Template) -> Customer:
    return create_customer(
        actor=make_user("east.boss", roles.MANAGER, team="east"),
        template=member_template,
        values={"display_name": "张三", "phone": PHONE},
    )


def _access_log(request_line: str, status: int) -> None:
    """What ``dossier serve`` (runserver) logs for one request, through Django's own handler."""
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.requestline, handler.request = request_line, None
    handler.client_address = ("127.0.0.1", 50000)
    handler.log_request(status, 1234)


def test_access_log_has_no_query_values(log_lines: Callable[[], str]) -> None:
    _access_log(f"GET /customers/?q={PHONE} HTTP/1.1", 200)
    _access_log(f"GET /api/v1/customers?q={ID_NUMBER}&limit=5 HTTP/1.1", 200)
    _access_log(f"GET /customers/?q={PHONE} HTTP/1.1", 404)
    text = log_lines()
    assert PHONE not in text and ID_NUMBER not in text
    assert "GET /customers/?q=*** HTTP/1.1" in text  # the path itself stays useful
    assert '"GET /api/v1/customers?q=***&limit=*** HTTP/1.1" 200 1234' in text


def test_self_service_token_never_reaches_a_log(
    customer: Customer, log_lines: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    issuer = customer.owner
    old = selfservice.issue_self_service_link(actor=issuer, customer_id=customer.pk).token
    token = selfservice.issue_self_service_link(actor=issuer, customer_id=customer.pk).token
    browser = Client(raise_request_exception=False)
    assert browser.get(f"/privacy/self-service/{token}/").status_code == 200
    _access_log(f"GET /privacy/self-service/{token}/?lang=en HTTP/1.1", 200)
    # a replaced link answers 410: django.request logs the path of every 4xx
    assert browser.get(f"/privacy/self-service/{old}/").status_code == 410
    assert browser.get(f"/privacy/self-service/{token[:-3]}abc/").status_code == 400

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError(f"failed on /privacy/self-service/{kwargs['token']}/")

    monkeypatch.setattr(selfservice, "self_service_page", broken)
    # a 500: django.request logs the path and the traceback
    assert browser.get(f"/privacy/self-service/{token}/").status_code == 500
    text = log_lines()
    assert "Internal Server Error: /privacy/self-service/***/" in text
    assert "RuntimeError: failed on /privacy/self-service/***/" in text
    assert "Gone: /privacy/self-service/***/" in text
    for secret in (token, old, token.split(":")[-1], old.split(":")[-1]):
        assert secret not in text


def test_not_found_with_a_query_logs_no_value(
    customer: Customer, log_lines: Callable[[], str]
) -> None:
    browser = Client()
    browser.force_login(customer.owner)
    missing = uuid.uuid4()
    assert browser.get(f"/customers/{missing}/?q={PHONE}").status_code == 404
    assert browser.get(f"/nowhere/?q={ID_NUMBER}").status_code == 404
    text = log_lines()
    assert f"Not Found: /customers/{missing}/" in text
    assert PHONE not in text and ID_NUMBER not in text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Not Found: /customers/", "Not Found: /customers/"),
        ("/a/?q=1&b=2", "/a/?q=***&b=***"),
        ("/a/?13912345678", "/a/?***"),
        ("/privacy/self-service/abc:def:ghi/", "/privacy/self-service/***/"),
        (
            '"GET /consent/confirm/?code=123456 HTTP/1.1"',
            '"GET /consent/confirm/?code=*** HTTP/1.1"',
        ),
    ],
)
def test_redact(line: str, expected: str) -> None:
    assert redact(line) == expected
