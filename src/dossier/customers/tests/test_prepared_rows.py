"""Prepared rows: the quick COPY line equals the general one, and a chunk sent from a
worker process in columns comes back as the same customers."""

from __future__ import annotations

import pickle
import uuid
from datetime import date
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dossier.core import bulk_insert as bulk
from dossier.core.fields import FieldSpec
from dossier.customers.services import bulk_load
from dossier.customers.services.bulk_load import PreparedRows, prepare_new_customers
from dossier.customers.services.storage import unique_keys
from dossier.protection.fields import StoredEnvelope
from dossier.templates.core_fields import merge_specs

AGREEMENT = settings(max_examples=300, deadline=None)
copy_values = st.lists(
    st.text(alphabet="ab\\\t\n\r 李·\x0b\u2028", max_size=6)
    | st.none()
    | st.booleans()
    | st.integers()
    | st.dates()
    | st.uuids()
    | st.builds(StoredEnvelope, st.text(alphabet="a\\\t", max_size=3)),
    max_size=8,
)


@AGREEMENT
@given(copy_values)
@example(["plain", None, "new\nline"])
@example(["tab\there", True])
def test_quick_copy_line_equals_the_general_one(values: list[Any]) -> None:
    assert bulk_load._copy_line(values) == bulk.copy_line(values)


SPECS = merge_specs(
    [
        FieldSpec("phone", "phone", required=True),
        FieldSpec("id_number", "cn_id_card", classification="sensitive", unique=True),
        FieldSpec("member_no", "text", unique=True),
        FieldSpec("points", "integer"),
        FieldSpec("note", "long_text", classification="personal"),
    ]
)
ROWS: list[dict[str, Any]] = [
    {"display_name": "王伟", "phone": "13800138000", "member_no": "M1", "note": "周末\t到店"},
    {"display_name": "李娜", "phone": "12345"},  # fails
    {"display_name": "Tom\\Smith", "phone": "13900139000", "email": "t@example.com"},
    {"display_name": "张强", "phone": "13700137000", "id_number": "11010519491231002X"},
    {"display_name": "赵敏", "phone": "13600136000", "birthday": date(1990, 3, 7), "points": 3},
]


def _prepared() -> PreparedRows:
    return prepare_new_customers(ROWS, SPECS, [10, 11, 12, 13, 14])


def test_a_chunk_sent_in_columns_comes_back_the_same(db: Any) -> None:
    prepared = _prepared()
    assert len(prepared.ready) == 4 and prepared.errors
    back = pickle.loads(pickle.dumps(prepared, protocol=pickle.HIGHEST_PROTOCOL))
    assert back.ready == prepared.ready
    assert [(e.code, e.field, e.row) for e in back.errors] == [
        (e.code, e.field, e.row) for e in prepared.errors
    ]
    assert [item.pk for item in back.ready] == [item.pk for item in prepared.ready]
    assert all(isinstance(item.pk, uuid.UUID) for item in back.ready)


def test_an_empty_chunk_comes_back_empty(db: Any) -> None:
    back = pickle.loads(pickle.dumps(PreparedRows()))
    assert back == PreparedRows()


def test_copy_lines_are_what_the_general_copy_line_makes(db: Any) -> None:
    if not bulk.uses_copy():
        pytest.skip("COPY text is built on PostgreSQL only")
    unique = unique_keys(SPECS)
    for item in _prepared().ready:
        customer = item.line[:-1].split("\t")
        assert customer[-1] == str(item.pk)
        assert "\n" not in item.line[:-1]
        expected = "".join(
            bulk.copy_line((item.pk, key, digest, key in unique)) + "\n"
            for key, digest in item.lookups.items()
        )
        assert item.lookup_lines == expected
