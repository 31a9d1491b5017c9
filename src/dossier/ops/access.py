"""Who may scrape /metrics: the bearer token, or without one, private addresses only."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from dossier.core.pages import client_ip

# Loopback and the private networks proper. Not ``ip.is_private``: Python counts the
# documentation and reserved ranges (203.0.113.0/24 …) as private too.
PRIVATE_NETWORKS = [
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "::1/128", "fc00::/7")
]


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
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in PRIVATE_NETWORKS)
