"""update_rows and id_set: many rows' values in one statement, hostile text kept as data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossier.core import roles
from dossier.core.bulk_update import id_set, update_rows
from dossier.customers.models import Customer

pytestmark = pytest.mark.django_db

HOSTILE = "O'Brien\"); DROP TABLE customers_customer; -- \\ %s {}"
FIELDS = ["display_name", "attributes", "birthday", "protected", "phone", "version"]


def test_each_row_gets_its_own_values_in_one_statement(make_user: Any, make_customer: Any) -> None:
    owner = make_user("owner", roles.SALES)
    first, second, untouched = (make_customer(owner) for _ in range(3))
    first.display_name, first.birthday, first.version = HOSTILE, date(1990, 6, 15), 7
    first.attributes = {"级别": "金", "list": [1, {"x": None}], "quote": "'\""}
    first.protected = {"id_number": "11010519491231002X"}
    second.display_name, second.birthday, second.attributes = "张三", None, {}
    second.phone, second.protected = "+8613800138000", {}
    before = Customer.objects.values().get(pk=untouched.pk)

    with CaptureQueriesContext(connection) as queries:
        update_rows(Customer, FIELDS, [first, second])

    assert len(queries) == 1
    for written in (first, second):
        stored = Customer.objects.get(pk=written.pk)
        assert [getattr(stored, name) for name in FIELDS] == [
            getattr(written, name) for name in FIELDS
        ]
    assert Customer.objects.values().get(pk=untouched.pk) == before
    update_rows(Customer, FIELDS, [])  # nothing to write: no statement, no error


def test_id_set_matches_exactly_the_ids_given(make_user: Any, make_customer: Any) -> None:
    owner = make_user("owner", roles.SALES)
    customers = [make_customer(owner) for _ in range(4)]
    wanted = [customers[0].pk, customers[2].pk]
    assert set(Customer.objects.filter(pk__in=id_set(wanted)).values_list("pk", flat=True)) == set(
        wanted
    )
    assert not Customer.objects.filter(pk__in=id_set([])).exists()
