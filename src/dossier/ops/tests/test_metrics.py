"""/metrics: who may scrape it, route labels that are patterns, gauges from the database."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dossier.transfer.models import ImportRun

pytestmark = pytest.mark.django_db

TOKEN = "s3cret-scrape-token-0123456789"
PUBLIC, PRIVATE = "203.0.113.9", "10.1.2.3"


def _scrape(address: str = "127.0.0.1", **headers: str) -> Any:
    return Client(REMOTE_ADDR=address).get("/metrics", headers=headers)


def test_without_a_token_only_private_addresses_may_scrape(settings: Any) -> None:
    settings.DOSSIER_METRICS_TOKEN = ""
    assert _scrape("127.0.0.1").status_code == 200
    assert _scrape(PRIVATE).status_code == 200
    assert _scrape(PUBLIC).status_code == 403
    assert _scrape("::1").status_code == 200
    assert _scrape("8.8.8.8").status_code == 403
    assert _scrape("::ffff:10.0.0.1").status_code == 200
    assert _scrape("2001:db8::1").status_code == 403
    assert _scrape("169.254.169.254").status_code == 403
    assert _scrape("not-an-address").status_code == 403


def test_a_forwarded_for_header_is_not_believed_from_an_untrusted_peer(settings: Any) -> None:
    settings.DOSSIER_METRICS_TOKEN = ""
    settings.DOSSIER_TRUSTED_PROXIES = []
    assert _scrape(PUBLIC, **{"X-Forwarded-For": "127.0.0.1"}).status_code == 403
    # behind a trusted proxy the client it names decides
    settings.DOSSIER_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert _scrape(PRIVATE, **{"X-Forwarded-For": PUBLIC}).status_code == 403
    assert _scrape(PRIVATE, **{"X-Forwarded-For": "192.168.1.5"}).status_code == 200


def test_with_a_token_set_the_right_token_is_needed_from_anywhere(settings: Any) -> None:
    settings.DOSSIER_METRICS_TOKEN = TOKEN
    assert _scrape(PUBLIC, Authorization=f"Bearer {TOKEN}").status_code == 200
    assert _scrape(PUBLIC, Authorization="Bearer wrong").status_code == 403
    assert _scrape(PUBLIC, Authorization=f"Basic {TOKEN}").status_code == 403
    assert _scrape(PUBLIC).status_code == 403
    # a loopback caller without it is refused too: the token, once set, is the rule
    assert _scrape("127.0.0.1").status_code == 403
    assert _scrape("127.0.0.1", Authorization=f"Bearer {TOKEN}x").status_code == 403


def test_a_refused_scrape_reveals_no_metric(settings: Any) -> None:
    settings.DOSSIER_METRICS_TOKEN = TOKEN
    response = _scrape(PUBLIC, Authorization="Bearer wrong")
    assert b"dossier_" not in response.content


def test_request_routes_are_url_patterns_not_paths_with_ids(make_user: Any, settings: Any) -> None:
    settings.DOSSIER_METRICS_TOKEN = ""
    client = Client()
    client.force_login(make_user("metrics.admin", "admin"))
    missing = "0b9f6c4e-7d1a-4e2b-9c3d-5a6b7c8d9e0f"
    client.get(f"/customers/{missing}/")  # no such customer: 404, still its route
    client.get("/no/such/page/31337/")
    text = _scrape().content.decode()
    routes = set(re.findall(r'dossier_http_requests_total\{[^}]*route="([^"]*)"', text))
    assert "customers/<uuid:customer_id>/" in routes
    assert "unmatched" in routes
    assert not any(missing in r or "31337" in r for r in routes), routes
    assert re.search(
        r'dossier_http_requests_total\{method="GET",route="unmatched",status="4xx"\} [1-9]', text
    ), text


def test_unknown_methods_share_one_label(settings: Any) -> None:
    settings.DOSSIER_METRICS_TOKEN = ""
    Client().generic("BREW", "/healthz")
    text = _scrape().content.decode()
    assert 'method="BREW"' not in text
    assert 'method="other",route="healthz"' in text


def test_latency_histogram_and_database_gauges_are_exposed(settings: Any, make_user: Any) -> None:
    settings.DOSSIER_METRICS_TOKEN = ""
    actor: User = make_user("importer", "admin")
    ImportRun.objects.create(
        actor=actor,
        file_name="a.csv",
        file_sha256="0" * 64,
        status=ImportRun.RUNNING,
        rows=600,
        started_at=timezone.now() - timedelta(seconds=60),
    )
    Client().get("/healthz")
    text = _scrape().content.decode()
    bucket = 'dossier_http_request_duration_seconds_bucket{le="0.01",method="GET",route="healthz"'
    assert bucket in text
    assert "dossier_metrics_database_up 1.0" in text
    assert "dossier_imports_running 1.0" in text
    assert "dossier_import_rows_done 600.0" in text
    found = re.search(r"^dossier_import_rows_per_second (\S+)$", text, re.M)
    assert found is not None
    rate = float(found.group(1))
    assert 5 < rate <= 10  # 600 rows over a minute (and a bit)
    assert "dossier_task_queue_oldest_age_seconds 0.0" in text
    assert "dossier_webhook_deliveries_failed 0.0" in text
