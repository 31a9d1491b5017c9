"""Page cursors: every documented cursor decodes, nothing else does, pages cover rows once."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dossier.core.errors import ValidationFailed
from dossier.core.keyset import PATTERN, decode_cursor, encode_cursor


def test_a_cursor_names_the_time_and_id_it_was_made_from() -> None:
    when = datetime(2026, 5, 1, 8, 30, 15, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(when, 42)) == (when, 42)


@given(st.from_regex(PATTERN, fullmatch=True).filter(bool))
def test_every_cursor_the_document_allows_decodes(cursor: str) -> None:
    when, pk = decode_cursor(cursor)
    assert when.tzinfo is not None and 0 <= pk < 2**63


@pytest.mark.parametrize(
    "cursor",
    ["abc", "12", "-5", "1-2-3", "1.5-2", "١٢-٣", "12345678901234567-1", "1-1234567890123456789",
     "1-2\n"],
)  # fmt: skip
def test_anything_else_names_the_cursor(cursor: str) -> None:
    assert not re.fullmatch(PATTERN, cursor, flags=re.ASCII) or cursor.endswith("\n")
    with pytest.raises(ValidationFailed) as caught:
        decode_cursor(cursor)
    assert [e.field for e in caught.value.errors] == ["cursor"]
