"""The crypto envelope: AES-256-GCM with a key id, and keyed blind indexes (HMAC-SHA256).

Pure: no Django inside. ``Keyring`` holds the keys; the first is used to encrypt, every
key still decrypts, so keys can be rotated without downtime.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ENVELOPE_VERSION = "v1"
NONCE_BYTES = 12


class CryptoError(Exception):
    """A value cannot be decrypted (unknown key, tampered or truncated ciphertext)."""


@dataclass(frozen=True)
class Keyring:
    """Data keys by id (the first is current) and the blind-index key."""

    keys: dict[str, bytes]
    current: str
    index_key: bytes

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise CryptoError(f"current key {self.current!r} is not in the keyring")
        for key_id, key in self.keys.items():
            if len(key) != 32:
                raise CryptoError(f"key {key_id!r} must be 32 bytes (AES-256)")
            if "." in key_id or not key_id:
                raise CryptoError(f"key id {key_id!r} must be non-empty and contain no dot")
        if len(self.index_key) < 32:
            raise CryptoError("the blind-index key must be at least 32 bytes")


def parse_keys(text: str) -> list[tuple[str, bytes]]:
    """Keys from "id:base64,id:base64" or one per line; the first listed is current."""
    pairs = []
    for item in text.replace("\n", ",").split(","):
        item = item.strip()
        if not item or item.startswith("#"):
            continue
        key_id, _sep, encoded = item.partition(":")
        pairs.append((key_id.strip(), base64.b64decode(encoded.strip())))
    return pairs


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key derived from a secret for one purpose (development fallback only)."""
    return hashlib.sha256(f"dossier:{purpose}:{secret}".encode()).digest()


def new_key() -> str:
    """A fresh random key, base64-encoded."""
    return base64.b64encode(os.urandom(32)).decode()


def encrypt(plaintext: str, keyring: Keyring, *, context: str = "") -> str:
    """Encrypt text to ``v1.<key id>.<base64url(nonce | ciphertext | tag)>``.

    ``context`` (e.g. "customer.phone") is bound as associated data, so a ciphertext copied
    into another column does not decrypt.
    """
    nonce = os.urandom(NONCE_BYTES)
    aad = f"{keyring.current}|{context}".encode()
    sealed = _cipher(keyring.keys[keyring.current]).encrypt(nonce, plaintext.encode(), aad)
    body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{ENVELOPE_VERSION}.{keyring.current}.{body}"


def key_id_of(envelope: str) -> str:
    """The id of the key that sealed ``envelope``."""
    parts = envelope.split(".", 2)
    if len(parts) != 3 or parts[0] != ENVELOPE_VERSION:
        raise CryptoError("not a Dossier ciphertext")
    return parts[1]


def decrypt(envelope: str, keyring: Keyring, *, context: str = "") -> str:
    """The plaintext of an envelope made by :func:`encrypt`; raises CryptoError if altered."""
    # the envelope is split once and its body decoded by binascii straight away: a customer
    # read decrypts several values, and base64's wrappers cost as much as the decryption
    parts = envelope.split(".", 2)
    if len(parts) != 3 or parts[0] != ENVELOPE_VERSION:
        raise CryptoError("not a Dossier ciphertext")
    _version, key_id, body = parts
    key = keyring.keys.get(key_id)
    if key is None:
        raise CryptoError(f"unknown key id {key_id!r}")
    try:
        urlsafe = body.encode("ascii").translate(_FROM_URLSAFE)
        raw = binascii.a2b_base64(urlsafe + b"=" * (-len(body) % 4))
    except (binascii.Error, ValueError):  # UnicodeEncodeError is a ValueError
        raise CryptoError("ciphertext is not valid base64") from None
    if len(raw) < NONCE_BYTES + 16:  # nonce and GCM tag
        raise CryptoError("ciphertext is truncated")
    try:
        plain = _cipher(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(key_id, context))
    except InvalidTag:
        raise CryptoError("ciphertext was altered or sealed for another field") from None
    return plain.decode()


_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")


@lru_cache(maxsize=256)
def _aad(key_id: str, context: str) -> bytes:
    # the associated data encrypt() binds: the key id and the column's context
    return f"{key_id}|{context}".encode()


@lru_cache(maxsize=32)
def _cipher(key: bytes) -> AESGCM:
    # one cipher object per key, as the keyring keeps one key: building it costs as much as a
    # short encryption or decryption (the cipher holds the key and no state of any message)
    return AESGCM(key)


def blind_index(value: str, keyring: Keyring, *, field: str) -> str:
    """A keyed HMAC of a normalised value, for exact lookups without storing the value."""
    mac = _index_mac(keyring.index_key).copy()
    mac.update(f"{field}\x1f{value}".encode())
    return mac.hexdigest()


@lru_cache(maxsize=8)
def _index_mac(key: bytes) -> hmac.HMAC:
    # the HMAC with the key already absorbed: each index copies it instead of hashing the key
    # again (a third of the cost of a short value); the copy is the same HMAC-SHA256
    return hmac.new(key, digestmod=hashlib.sha256)
