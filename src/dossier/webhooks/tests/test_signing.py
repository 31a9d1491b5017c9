"""Signatures: what the documented snippet accepts is exactly what Dossier signs."""

from __future__ import annotations

import time
from pathlib import Path

from dossier.webhooks.signing import VERIFICATION_SNIPPET, new_secret, signature
from dossier.webhooks.tests.conftest import snippet_verify

README = Path(__file__).resolve().parents[4] / "README.md"
BODY = '{"event":"customer.created","id":7,"name":"张三"}'.encode()


def test_the_readme_shows_the_verification_snippet_the_tests_run() -> None:
    assert f"```python\n{VERIFICATION_SNIPPET}```" in README.read_text(encoding="utf-8")


def test_the_snippet_accepts_a_fresh_signature_of_the_exact_body() -> None:
    verify, secret = snippet_verify(), new_secret()
    header = signature(secret, int(time.time()), BODY)
    assert header.startswith("t=") and ",v1=" in header
    assert verify(secret, header, BODY)


def test_the_snippet_refuses_another_body_secret_or_an_old_timestamp() -> None:
    verify, secret = snippet_verify(), new_secret()
    now = int(time.time())
    header = signature(secret, now, BODY)
    assert not verify(secret, header, BODY + b" ")
    assert not verify(new_secret(), header, BODY)
    stale = signature(secret, now - 301, BODY)
    assert not verify(secret, stale, BODY)
    # the timestamp is signed: moving it forward breaks the signature
    moved = header.replace(f"t={now}", f"t={now + 1}")
    assert not verify(secret, moved, BODY)
    for broken in ("", "v1=abc", f"t={now}", "t=soon,v1=00", "garbage"):
        assert not verify(secret, broken, BODY), broken


def test_each_secret_is_new_and_long() -> None:
    secrets = {new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(s.startswith("whsec_") and len(s) >= 40 for s in secrets)
