"""User names in one form: what sign-up stores, sign-in looks up and the lock-out counts."""

from __future__ import annotations

import unicodedata


def normalise_username(name: str) -> str:
    """NFKC and casefold, trimmed: ``ｓｅｒｖｉｃｅ``, ``Service`` and ``service`` are one name."""
    return unicodedata.normalize("NFKC", str(name or "")).casefold().strip()
