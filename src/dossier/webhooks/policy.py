"""The webhook settings (``DOSSIER_WEBHOOKS_*``) and the retry schedule."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

#: waits before the 2nd, 3rd … attempt: 1 min, 5 min, 30 min, 2 h, 12 h (then 12 h again)
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
#: a claim older than this belongs to a worker that stopped mid-request
STALE_CLAIM = timedelta(minutes=10)


def allow_private() -> bool:
    """Whether targets on private, loopback … addresses are allowed (tests, closed networks)."""
    return bool(getattr(settings, "DOSSIER_WEBHOOKS_ALLOW_PRIVATE", False))


def allow_http() -> bool:
    """Whether plain http:// targets are allowed (otherwise https:// only)."""
    return bool(getattr(settings, "DOSSIER_WEBHOOKS_ALLOW_HTTP", False))


def max_attempts() -> int:
    """How many times a delivery is tried before it is given up as failed."""
    return max(1, int(getattr(settings, "DOSSIER_WEBHOOKS_MAX_ATTEMPTS", 6)))


def timeout() -> float:
    """Seconds one request may take, connection included."""
    return float(getattr(settings, "DOSSIER_WEBHOOKS_TIMEOUT", 5))


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failed attempt."""
    return BACKOFF[min(max(attempts, 1), len(BACKOFF)) - 1]
