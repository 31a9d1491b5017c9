"""The crypto envelope (AES-256-GCM with key ids) and blind indexes."""

from __future__ import annotations

import base64

import pytest

from dossier.protection.crypto import (
    CryptoError,
    Keyring,
    blind_index,
    decrypt,
    encrypt,
    key_id_of,
    new_key,
    parse_keys,
)

OLD = b"o" * 32
NEW = b"n" * 32
INDEX = b"i" * 32


def ring(*key_ids: str) -> Keyring:
    keys = {"old": OLD, "new": NEW}
    return Keyring(keys={k: keys[k] for k in key_ids}, current=key_ids[0], index_key=INDEX)


def test_round_trip_including_chinese_and_empty() -> None:
    keys = ring("old")
    for text in ["13800138000", "北京市朝阳区建国路88号", "", "x" * 10_000]:
        assert (
            decrypt(encrypt(text, keys, context="customer.phone"), keys, context="customer.phone")
            == text
        )


def test_envelope_names_version_and_key_and_hides_the_value() -> None:
    envelope = encrypt("13800138000", ring("old"), context="c")
    assert envelope.startswith("v1.old.")
    assert key_id_of(envelope) == "old"
    assert "13800138000" not in envelope
    # a fresh nonce each time: equal values do not give equal ciphertexts
    assert envelope != encrypt("13800138000", ring("old"), context="c")


def _flip(envelope: str, position: int) -> str:
    head, body = envelope.rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[position] ^= 0x01
    return f"{head}.{base64.urlsafe_b64encode(bytes(raw)).decode().rstrip('=')}"


@pytest.mark.parametrize("position", [0, 11, 12, -1])
def test_tampered_ciphertext_is_refused(position: int) -> None:
    keys = ring("old")
    envelope = encrypt("13800138000", keys, context="c")
    with pytest.raises(CryptoError):
        decrypt(_flip(envelope, position), keys, context="c")


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plain text",
        "v2.old.AAAA",
        "v1.old.",
        "v1.old.A",
        "v1.old.!!!!",
        "v1.old.AAAAAAAA",
        "v1.old.北京北京北京北京北京北京北京北京北京北京北京北京北京北京",
        "v1.old.AAAA+AAA/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_garbage_and_truncated_envelopes_raise_crypto_error(bad: str) -> None:
    with pytest.raises(CryptoError):
        decrypt(bad, ring("old"))


def test_truncated_envelope_raises_crypto_error() -> None:
    keys = ring("old")
    envelope = encrypt("13800138000", keys)
    for cut in (1, 5, 20, len(envelope) - len("v1.old.") - 2):
        with pytest.raises(CryptoError):
            decrypt(envelope[:-cut], keys)


def test_wrong_context_does_not_decrypt() -> None:
    keys = ring("old")
    envelope = encrypt("13800138000", keys, context="customer.phone")
    with pytest.raises(CryptoError):
        decrypt(envelope, keys, context="customer.email")
    with pytest.raises(CryptoError):
        decrypt(envelope, keys)


def test_swapping_the_key_id_is_refused() -> None:
    keys = ring("new", "old")
    envelope = encrypt("13800138000", ring("old"), context="c")
    with pytest.raises(CryptoError):
        decrypt(envelope.replace("v1.old.", "v1.new.", 1), keys, context="c")


def test_unknown_key_id_is_refused() -> None:
    envelope = encrypt("13800138000", ring("new"))
    with pytest.raises(CryptoError, match="unknown key"):
        decrypt(envelope, ring("old"))


def test_key_rotation_old_values_still_decrypt_new_values_use_new_key() -> None:
    before = encrypt("13800138000", ring("old"), context="c")
    rotated = ring("new", "old")
    assert decrypt(before, rotated, context="c") == "13800138000"
    after = encrypt("13900139000", rotated, context="c")
    assert key_id_of(after) == "new"
    assert decrypt(after, ring("new"), context="c") == "13900139000"
    with pytest.raises(CryptoError):
        decrypt(after, ring("old"), context="c")


def test_blind_index_is_stable_keyed_and_field_separated() -> None:
    keys = ring("old")
    digest = blind_index("+8613800138000", keys, field="phone")
    assert digest == blind_index("+8613800138000", ring("new", "old"), field="phone")
    assert len(digest) == 64
    assert "13800138000" not in digest
    assert digest != blind_index("+8613900139000", keys, field="phone")
    assert digest != blind_index("+8613800138000", keys, field="email")
    other_index = Keyring(keys={"old": OLD}, current="old", index_key=b"j" * 32)
    assert digest != blind_index("+8613800138000", other_index, field="phone")
    # the separator keeps field and value apart: ("ab", "c") is not ("a", "bc")
    assert blind_index("c", keys, field="ab") != blind_index("bc", keys, field="a")


@pytest.mark.parametrize(
    ("keys", "current", "index_key"),
    [
        ({"a": b"short"}, "a", INDEX),
        ({"a": OLD}, "b", INDEX),
        ({"a.b": OLD}, "a.b", INDEX),
        ({"": OLD}, "", INDEX),
        ({"a": OLD}, "a", b"short"),
    ],
)
def test_keyring_refuses_bad_keys(keys: dict[str, bytes], current: str, index_key: bytes) -> None:
    with pytest.raises(CryptoError):
        Keyring(keys=keys, current=current, index_key=index_key)


def test_parse_keys_first_is_current_comments_ignored() -> None:
    first, second = new_key(), new_key()
    pairs = parse_keys(f"# rotated 2024\nk2:{first}\n k1 : {second} ,")
    assert [key_id for key_id, _key in pairs] == ["k2", "k1"]
    assert pairs[0][1] == base64.b64decode(first)
    assert len(pairs[1][1]) == 32


def test_standard_base64_body_is_read_as_urlsafe_would_be() -> None:
    # encrypt writes "-" and "_"; a body with "+" and "/" decodes to the same bytes, so the
    # tag still decides: the value decrypts only if it is the one that was sealed
    keys = ring("old")
    for _attempt in range(20):
        envelope = encrypt("13800138000", keys, context="c")
        if "-" in envelope or "_" in envelope:
            break
    standard = envelope.replace("-", "+").replace("_", "/")
    assert decrypt(standard, keys, context="c") == decrypt(envelope, keys, context="c")
