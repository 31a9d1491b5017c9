"""Webhook test fixtures: a real HTTP receiver on 127.0.0.1, integrators, a fake resolver."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User

from dossier.core import roles
from dossier.webhooks.signing import VERIFICATION_SNIPPET


def snippet_verify() -> Callable[..., bool]:
    """The ``verify`` function of the documented snippet, run as a receiver would paste it."""
    namespace: dict[str, Any] = {}
    exec(VERIFICATION_SNIPPET, namespace)
    return namespace["verify"]  # type: ignore[no-any-return]


@dataclass
class Received:
    """One request the receiver got, and whether its signature checked out."""

    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server in a thread: answers with ``statuses`` in turn (then 200)."""

    url: str
    statuses: list[int] = field(default_factory=list)
    secret: str = ""
    requests: list[Received] = field(default_factory=list)
    extra_headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    verify = snippet_verify()
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            header = self.headers.get("X-Dossier-Signature", "")
            state.requests.append(
                Received(
                    path=self.path,
                    headers=dict(self.headers.items()),
                    body=body,
                    signature_ok=bool(state.secret) and verify(state.secret, header, body),
                )
            )
            if state.delay:
                threading.Event().wait(state.delay)
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            for name, value in state.extra_headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/dossier"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def allow_local(settings: Any) -> None:
    """Let webhooks go to this machine over plain HTTP (the test receiver), as a setting would."""
    settings.DOSSIER_WEBHOOKS_ALLOW_PRIVATE = True
    settings.DOSSIER_WEBHOOKS_ALLOW_HTTP = True


@pytest.fixture
def integrator(make_user: Callable[..., User]) -> User:
    """A manager: keeps webhook subscriptions and sees the team's customers."""
    return make_user("integrator", roles.MANAGER, team="east")


def with_webhooks(user: User) -> User:
    """``user`` given the webhook permission on top of their role (their view stays theirs)."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="webhooks", codename="manage_subscription")
    )
    return User.objects.get(pk=user.pk)  # without the cached permissions


def public_resolver(*addresses: str) -> Callable[..., list[tuple[Any, ...]]]:
    """A stand-in for ``socket.getaddrinfo`` answering every name with ``addresses``."""

    def resolve(host: str, port: int, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        return [(2 if ":" not in a else 10, 1, 6, "", (a, port)) for a in addresses]

    return resolve
