"""Reused key objects give the same blind indexes and envelopes as fresh ones."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import given, settings
from hypothesis import strategies as st

from dossier.protection.crypto import NONCE_BYTES, Keyring, blind_index, decrypt, encrypt
from dossier.protection.disclosure import last4_digest

RING = Keyring(keys={"k1": b"a" * 32}, current="k1", index_key=b"i" * 40)
OTHER = Keyring(keys={"k1": b"a" * 32}, current="k1", index_key=b"j" * 32)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["phone", "email", "phone_last4"]))
def test_blind_index_is_the_plain_hmac_of_field_and_value(value: str, field: str) -> None:
    message = f"{field}\x1f{value}".encode()
    assert blind_index(value, RING, field=field) == (
        hmac.new(RING.index_key, message, hashlib.sha256).hexdigest()
    )
    # the cached HMAC of one key never leaks into another's
    assert blind_index(value, OTHER, field=field) == (
        hmac.new(OTHER.index_key, message, hashlib.sha256).hexdigest()
    )


def test_envelope_opens_with_a_fresh_cipher_object() -> None:
    envelope = encrypt("13800138000", RING, context="customer.phone")
    version, key_id, body = envelope.split(".", 2)
    assert (version, key_id) == ("v1", "k1")
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    plain = AESGCM(RING.keys["k1"]).decrypt(
        raw[:NONCE_BYTES], raw[NONCE_BYTES:], b"k1|customer.phone"
    )
    assert plain == b"13800138000"
    assert decrypt(envelope, RING, context="customer.phone") == "13800138000"
    assert encrypt("13800138000", RING, context="customer.phone") != envelope  # fresh nonce


def test_last_four_digits_of_stored_and_written_numbers() -> None:
    from dossier.protection import disclosure
    from dossier.protection.keys import keyring

    expected = blind_index("8000", keyring(), field="phone_last4")
    for phone in ("+8613800138000", "138 0013 8000", "+86 138-0013-8000"):
        assert last4_digest(phone) == expected
    assert disclosure.last4_digest("+123") is None
    assert disclosure.last4_digest("+١٢٣٤٥") == blind_index("٢٣٤٥", keyring(), field="phone_last4")
