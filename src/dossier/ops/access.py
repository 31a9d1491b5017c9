"""Who may scrape /metrics: the bearer token, or without one, private addresses only."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from dossier.core.pages import client_ip


def may_scrape(request: HttpRequest) -> bool:
    """With DOSSIER_METRICS_TOKEN set, a caller presenting it (compared in constant time);
    without, a caller on a loopback or private address (REMOTE_ADDR, or X-Forwarded-For only
    as vouched for by DOSSIER_TRUSTED_PROXIES)."""
    expected = settings.DOSSIER_METRICS_TOKEN
    if expected:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not given:
            return False
        return hmac.compare_digest(given.strip().encode(), expected.encode())
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return ip.is_loopback or (ip.is_private and not ip.is_link_local)
