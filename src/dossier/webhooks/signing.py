"""Signing webhook bodies: HMAC-SHA256 over the timestamp and the body, as receivers check it.

Header: ``X-Dossier-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``.
The timestamp is inside the signed text, so a captured request cannot be replayed later with
a fresh time; receivers refuse signatures older than a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SIGNATURE_HEADER = "X-Dossier-Signature"
EVENT_HEADER = "X-Dossier-Event"
DELIVERY_HEADER = "X-Dossier-Delivery"
SECRET_PREFIX = "whsec_"

#: How a receiver verifies a delivery: shown in the README and the API description, and run
#: by the tests against signatures made here, so the documentation cannot drift from the code.
VERIFICATION_SNIPPET = '''\
import hashlib
import hmac
import time


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """header: the X-Dossier-Signature value; body: the raw request body, unparsed."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if "t" not in fields or "v1" not in fields or not fields["t"].isdigit():
        return False
    signed = fields["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(fields["t"])) <= tolerance
    return fresh and hmac.compare_digest(expected, fields["v1"])
'''


def new_secret() -> str:
    """A fresh signing secret (256 random bits)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the signature header for ``body`` sent at ``timestamp``."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
