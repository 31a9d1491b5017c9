"""The database cache's increment: every count kept, the key's expiry left as it was."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.django_db

TABLE = "dossier_cache"  # made by Django's test set-up (createcachetable), as by dossier migrate


@pytest.fixture(autouse=True)
def _database_cache(settings: Any) -> None:
    settings.CACHES = {
        "default": {"BACKEND": "dossier.core.cache.AtomicDatabaseCache", "LOCATION": TABLE}
    }


def _expires(key: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT expires FROM {TABLE} WHERE cache_key = %s", [cache.make_key(key)])
        return cursor.fetchone()[0]


def test_increments_count_and_keep_the_window_the_key_was_added_with() -> None:
    assert cache.add("guard", 1, 15 * 60)
    before = _expires("guard")
    assert [cache.incr("guard") for _ in range(3)] == [2, 3, 4]
    assert cache.incr("guard", 10) == 14
    assert cache.get("guard") == 14
    # Django's own incr would have moved it to the default five minutes from now
    assert _expires("guard") == before


def test_a_missing_or_expired_key_is_not_counted() -> None:
    with pytest.raises(ValueError, match="missing"):
        cache.incr("missing")
    cache.set("old", 5, -1)  # already expired
    with pytest.raises(ValueError, match="old"):
        cache.incr("old")
    assert cache.get("old") is None


def test_a_non_number_is_refused_and_left_as_it_was() -> None:
    cache.set("text", "five", 60)
    with pytest.raises(TypeError):
        cache.incr("text")
    assert cache.get("text") == "five"
