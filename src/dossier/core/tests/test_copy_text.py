"""COPY text: each value escaped as PostgreSQL's text format reads it back."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from dossier.core.bulk_insert import copy_line


@given(st.lists(st.one_of(st.none(), st.booleans(), st.integers(), st.text()), max_size=6))
def test_copy_line_escapes_exactly_as_translating_every_value(values: list[Any]) -> None:
    table = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
    expected = "\t".join(
        "\\N"
        if v is None
        else ("t" if v else "f")
        if isinstance(v, bool)
        else str(v).translate(table)
        for v in values
    )
    assert copy_line(values) == expected
