"""How often one client address may send a public form (Django's cache counts)."""

from __future__ import annotations

from django.conf import settings
from django.utils.crypto import salted_hmac

from dossier.core import counters

#: submissions per client address and window, across all forms; generous, as visitors of an
#: event or a store often share one address (its Wi-Fi); DOSSIER_CAPTURE_RATE changes it
DEFAULT_RATE = (30, 900)


def client_hash(client_ip: str | None) -> str:
    """A keyed hash of the client address: counts a sender without keeping the address."""
    return salted_hmac("dossier.capture.client", client_ip or "-", algorithm="sha256").hexdigest()


def _rate() -> tuple[int, int]:
    limit, window = getattr(settings, "DOSSIER_CAPTURE_RATE", DEFAULT_RATE)
    return int(limit), int(window)


def wait_seconds(hashed: str) -> int:
    """Seconds this address must wait before sending again (0: it may send now)."""
    limit, window = _rate()
    count = counters.current(f"capture:rate:{hashed}")
    return window if count >= limit else 0


def count_submission(hashed: str) -> None:
    """One more submission from this address in the current window."""
    _limit, window = _rate()
    counters.hit(f"capture:rate:{hashed}", window=window)
