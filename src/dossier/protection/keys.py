"""The keyring built from settings (DOSSIER_KEYS / DOSSIER_KEY_FILE / DOSSIER_INDEX_KEY)."""

from __future__ import annotations

import base64
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from dossier.protection.crypto import Keyring, derive_key, parse_keys


@lru_cache(maxsize=1)
def keyring() -> Keyring:
    """The process's keyring. Without configured keys, keys derived from SECRET_KEY."""
    text = settings.DOSSIER_KEYS
    if not text and settings.DOSSIER_KEY_FILE:
        text = Path(settings.DOSSIER_KEY_FILE).read_text()
    pairs = parse_keys(text) if text else [("dev", derive_key(settings.SECRET_KEY, "data"))]
    index_key = (
        base64.b64decode(settings.DOSSIER_INDEX_KEY)
        if settings.DOSSIER_INDEX_KEY
        else derive_key(settings.SECRET_KEY, "index")
    )
    return Keyring(keys=dict(pairs), current=pairs[0][0], index_key=index_key)


def reload_keyring() -> Keyring:
    """Forget the cached keyring (after keys change) and build it again."""
    keyring.cache_clear()
    return keyring()
