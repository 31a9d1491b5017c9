"""One HTTP POST to a checked target: to the checked address, with a deadline, no redirects.

The connection goes to an address :func:`addresses.check_target` approved, while the Host
header and TLS (SNI and certificate) name the host of the URL; a second DNS lookup never
happens, so a name cannot resolve to a public address for the check and to a private one for
the request. ``http.client`` follows no redirects: a 3xx answer is a failed attempt.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from dataclasses import dataclass

from dossier.webhooks.addresses import Target

#: at most this much of an answer is read (and none of it kept)
MAX_ANSWER = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    """What one request came to: a status code or an error, and how long it took."""

    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, address: str, timeout: float) -> None:
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        # certificate and SNI for the URL's host, connection to the checked address
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(error, ssl.SSLError):
        return f"tls_error: {error.__class__.__name__}"
    if isinstance(error, ConnectionRefusedError):
        return "connection_refused"
    if isinstance(error, http.client.HTTPException):
        return f"bad_answer: {error.__class__.__name__}"
    return f"connection_error: {error.__class__.__name__}"


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Outcome:
    """POST ``body`` to ``target`` within ``timeout`` seconds (trying its addresses in turn)."""
    started = time.monotonic()
    deadline = started + timeout
    error = "no_address"
    for address in target.addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            error = "timeout"
            break
        kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
        connection = kind(target, address, left)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            if connection.sock is not None:
                connection.sock.settimeout(max(0.001, deadline - time.monotonic()))
            answer = connection.getresponse()
            answer.read(MAX_ANSWER)
            code = answer.status
        except (OSError, http.client.HTTPException) as failure:
            error = _describe(failure)
            if connection.sock is not None:  # connected: the target spoke; do not try another
                break
            continue
        finally:
            connection.close()
        elapsed = int((time.monotonic() - started) * 1000)
        if 300 <= code < 400:
            return Outcome(code, "redirect_not_followed", elapsed)
        return Outcome(code, "" if 200 <= code < 300 else f"http_{code}", elapsed)
    return Outcome(None, error, int((time.monotonic() - started) * 1000))
