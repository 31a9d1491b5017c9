"""One customer (owner name, template scenario and tags included) in one prepared query.

Building an ORM query for a 30-column model costs more than the rest of an API call; the
single-customer read is the hottest path, so its SQL is built once from the model and
reused. The rows come back as ordinary ``Customer`` instances (every column converted as
the ORM would, encrypted ones decrypted).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Field

from dossier.templates.models import Template

from .models import Customer, CustomerTag, Tag


def _column(field: Field[Any, Any]) -> str:
    """A concrete field's column (the stubs allow None, which only non-concrete fields have)."""
    if field.column is None:
        raise TypeError(f"{field} has no database column")
    return field.column


@cache
def _customer_sql(vendor: str) -> tuple[str, list[Any]]:
    quote = connection.ops.quote_name
    fields = list(Customer._meta.concrete_fields)
    users = get_user_model()._meta
    columns = ", ".join(f"c.{quote(_column(f))}" for f in fields)
    sql = (
        f"SELECT {columns}, u.{quote(_column(users.get_field('username')))}, "
        f"t.{quote('scenario')}, ({_tags_subquery(vendor)}) "
        f"FROM {quote(Customer._meta.db_table)} c "
        f"JOIN {quote(Template._meta.db_table)} t ON t.{quote('id')} = c.{quote('template_id')} "
        f"LEFT JOIN {quote(users.db_table)} u "
        f"ON u.{quote(_column(users.pk))} = c.{quote('owner_id')} "
        f"WHERE c.{quote(_column(Customer._meta.pk))} = %s AND c.{quote('deleted_at')} IS NULL"
    )
    return sql, fields


@cache
def _converters(vendor: str) -> list[tuple[Any, list[Any]]]:
    """Per column: the column expression and the converters the ORM would apply."""
    _sql, fields = _customer_sql(vendor)
    table = Customer._meta.db_table
    result = []
    for field in fields:
        column = field.get_col(table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        result.append((column, converters))
    return result


def fetch_customer(customer_id: Any) -> Customer | None:
    """The (not deleted) customer with this id, or None.

    The owner's user name comes in ``owner_name``, the template's scenario in
    ``template_scenario`` and the tags (by group and name) in ``tag_list``.
    """
    sql, fields = _customer_sql(connection.vendor)
    key = Customer._meta.pk.get_db_prep_value(UUID(str(customer_id)), connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    values = []
    for (column, converters), raw in zip(_converters(connection.vendor), row, strict=False):
        value = raw
        for convert in converters:
            value = convert(value, column, connection)
        values.append(value)
    customer = Customer.from_db(connection.alias, [f.attname for f in fields], values)
    customer.owner_name = row[len(fields)]  # type: ignore[attr-defined]
    customer.template_scenario = row[len(fields) + 1]  # type: ignore[attr-defined]
    customer.tag_list = _tags(row[len(fields) + 2])  # type: ignore[attr-defined]
    return customer


def _tags(raw: Any) -> list[dict[str, Any]]:
    # SQLite answers JSON as text, PostgreSQL (psycopg) as parsed lists
    items = json.loads(raw) if isinstance(raw, str) else (raw or [])
    tags = [{"id": i, "name": n, "group": g, "colour": c} for i, n, g, c in items]
    return sorted(tags, key=lambda tag: (tag["group"], tag["name"]))


@cache
def _tags_subquery(vendor: str) -> str:
    """A customer's tags as one JSON array of [id, name, group, colour] (for the row query)."""
    quote = connection.ops.quote_name
    tag, link = Tag._meta, CustomerTag._meta
    columns = f"t.{quote('id')}, t.{quote('name')}, t.{quote('group')}, t.{quote('colour')}"
    aggregate = (
        f"COALESCE(json_agg(json_build_array({columns})), '[]'::json)"
        if vendor == "postgresql"
        else f"json_group_array(json_array({columns}))"
    )
    return (
        f"SELECT {aggregate} FROM {quote(tag.db_table)} t "
        f"JOIN {quote(link.db_table)} ct ON ct.{quote('tag_id')} = t.{quote('id')} "
        f"WHERE ct.{quote('customer_id')} = c.{quote(_column(Customer._meta.pk))}"
    )
