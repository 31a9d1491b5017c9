"""Request ids: echoed or made, hostile ones replaced, in JSON log lines and in the import task."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from dossier.core.log_redaction import RedactRequestPaths
from dossier.core.request_ids import (
    bound_request_id,
    carries_request_id,
    current_request_id,
    enqueue_with_request_id,
)
from dossier.ops.logs import JsonFormatter, RequestIdFilter
from dossier.transfer.tasks import run_uploaded_import

pytestmark = pytest.mark.django_db
HEX32 = r"[0-9a-f]{32}"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """A handler like the console's with DOSSIER_LOG_FORMAT=json, on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactRequestPaths())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_a_sane_request_id_is_kept_and_echoed() -> None:
    response = Client().get("/healthz", headers={"X-Request-ID": "lb-7f3a.9_Z-1"})
    assert response["X-Request-ID"] == "lb-7f3a.9_Z-1"


def test_a_request_without_an_id_gets_a_fresh_one_each_time() -> None:
    first = Client().get("/healthz")["X-Request-ID"]
    second = Client().get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and int(first, 16) >= 0
    assert first != second


@pytest.mark.parametrize(
    "hostile",
    [
        "abc\r\nSet-Cookie: x=1",
        'x" , "level": "CRITICAL',
        "a" * 65,
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "id with spaces",
        "ünïcode",
    ],
)
def test_a_hostile_request_id_is_replaced(hostile: str) -> None:
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=hostile)
    echoed = response["X-Request-ID"]
    assert echoed != hostile
    assert len(echoed) == 32 and all(c in "0123456789abcdef" for c in echoed)


def test_the_request_id_is_only_bound_during_the_request() -> None:
    Client().get("/healthz", headers={"X-Request-ID": "kept-for-one-request"})
    assert current_request_id() == ""


def test_a_json_log_line_carries_the_request_id_and_no_query_value(
    json_log: io.StringIO, make_user: Any
) -> None:
    client = Client()
    client.force_login(make_user("logged", "admin"))
    # a page that is not there: django.request logs a warning for it
    response = client.get("/no/such/page/?q=13912345678", headers={"X-Request-ID": "trace-42"})
    assert response.status_code == 404
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    warning = next(line for line in lines if line["logger"] == "django.request")
    assert warning["request_id"] == "trace-42"
    assert warning["level"] == "WARNING"
    assert "13912345678" not in json_log.getvalue()  # redaction still runs first
    assert set(warning) <= {"time", "level", "logger", "message", "request_id", "status"}


def test_a_log_line_outside_any_request_says_so(json_log: io.StringIO) -> None:
    logging.getLogger("dossier.test").warning("outside")
    assert json.loads(json_log.getvalue())["request_id"] == "-"


def test_the_import_task_runs_with_the_request_id_it_was_queued_under() -> None:
    seen: list[str] = []

    def claim(run_id: int) -> None:
        seen.append(current_request_id())

    with (
        mock.patch("dossier.transfer.services.claim_run", side_effect=claim),
        bound_request_id("upload-req-1"),
    ):
        result = enqueue_with_request_id(run_uploaded_import, 12345)
    assert seen == ["upload-req-1"]
    assert result.return_value == {"run": 12345, "skipped": True}


def test_a_task_queued_outside_a_request_runs_with_an_id_of_its_own() -> None:
    @carries_request_id
    def job() -> str:
        return current_request_id()

    assert len(job()) == 32
    assert job(request_id="given-1") == "given-1"  # type: ignore[call-arg]
    assert len(job(request_id="bad id\n")) == 32  # type: ignore[call-arg]
