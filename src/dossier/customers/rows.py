"""One customer (owner name, template scenario and tags included) in one prepared query.

Building an ORM query and a full model instance for a 30-column model costs more than the
rest of an API call; the single-customer read is the hottest path, so its SQL is built once
from the model and reads only the columns the read needs. The result is a
:class:`CustomerRow`: plain columns converted as the ORM would, encrypted ones still sealed
until something reads them (so a customer the caller may not see is never decrypted).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field

from dossier.accounts.services import token_state, token_state_sql
from dossier.customers.models import Customer, CustomerTag, Tag
from dossier.protection.fields import EncryptedTextField
from dossier.templates.core_fields import CORE_KEYS
from dossier.templates.models import Template

# what access.allows and selectors.present read of a customer, besides its values (and its
# id, which the caller gives)
_READ_FIELDS = (
    "template_version",
    "owner",
    "team",
    "version",
    "created_at",
    "updated_at",
    "attributes",
    "protected",
)


class CustomerRow:
    """The columns of one live customer that the single-customer read needs.

    Has the attributes ``access.allows`` and ``selectors.present`` read of a ``Customer``
    (``pk``, ``owner_id``, ``team_id``, ``deleted_at``, ``template_version_id``, the core
    columns, ``attributes``, ``protected`` …), plus ``owner_name``, ``template_scenario``
    and ``tag_list``. An encrypted column is decrypted when first read, never before.
    """

    deleted_at = None  # the query reads live customers only
    id: UUID
    template_version_id: int
    owner_id: int | None
    team_id: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    attributes: dict[str, Any]
    protected: dict[str, Any]
    owner_name: str | None
    template_scenario: str
    tag_list: list[dict[str, Any]]

    def __init__(self, values: dict[str, Any], sealed: dict[str, Any], connection: Any) -> None:
        self.__dict__.update(values)
        self._sealed = sealed
        self._connection = connection

    @property
    def pk(self) -> UUID:
        return self.id

    def __getattr__(self, name: str) -> Any:
        # only called for attributes not yet set: the sealed columns, on first read
        sealed = self.__dict__.get("_sealed")
        if not sealed or name not in sealed:
            raise AttributeError(name)
        field = _sealed_fields()[name]
        value = field.from_db_value(sealed.pop(name), None, self._connection)
        setattr(self, name, value)
        return value


def _column(field: Field[Any, Any]) -> str:
    """A concrete field's column (the stubs allow None, which only non-concrete fields have)."""
    if field.column is None:
        raise TypeError(f"{field} has no database column")
    return field.column


@cache
def _read_fields() -> list[Field[Any, Any]]:
    names = set(_READ_FIELDS) | CORE_KEYS
    return [f for f in Customer._meta.concrete_fields if f.name in names]


@cache
def _sealed_fields() -> dict[str, EncryptedTextField]:
    return {f.attname: f for f in _read_fields() if isinstance(f, EncryptedTextField)}


@cache
def _customer_sql(alias: str, *, token_state: bool = False) -> str:
    connection = connections[alias]
    quote = connection.ops.quote_name
    users = get_user_model()._meta
    columns = ", ".join(f"c.{quote(_column(f))}" for f in _read_fields())
    state = f"{token_state_sql(alias)}, " if token_state else ""
    return (
        f"SELECT {state}{columns}, u.{quote(_column(users.get_field('username')))}, "
        f"t.{quote('scenario')}, ({_tags_subquery(alias)}) "
        f"FROM {quote(Customer._meta.db_table)} c "
        f"JOIN {quote(Template._meta.db_table)} t ON t.{quote('id')} = c.{quote('template_id')} "
        f"LEFT JOIN {quote(users.db_table)} u "
        f"ON u.{quote(_column(users.pk))} = c.{quote('owner_id')} "
        # a named parameter: SQLite's wrapper turns it into its own style with one %-format,
        # where "%s" would cost a regular-expression pass over the whole statement
        f"WHERE c.{quote(_column(Customer._meta.pk))} = %(id)s AND c.{quote('deleted_at')} IS NULL"
    )


@dataclass(frozen=True)
class _Plan:
    """Where each read column lands: as it is, through the ORM's converters, or sealed."""

    plain: list[tuple[int, str]]
    converted: list[tuple[int, str, Any, list[Any]]]
    sealed: list[tuple[int, str]]
    extra: int  # index of the owner's name; the scenario and tags follow


@cache
def _plan(alias: str) -> _Plan:
    connection = connections[alias]
    table = Customer._meta.db_table
    sealed_fields = _sealed_fields()
    plain, converted, sealed = [], [], []
    fields = _read_fields()
    for index, field in enumerate(fields):
        if field.attname in sealed_fields:
            sealed.append((index, field.attname))
            continue
        column = field.get_col(table)
        converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if converters:
            converted.append((index, field.attname, column, converters))
        else:
            plain.append((index, field.attname))
    return _Plan(plain, converted, sealed, len(fields))


def fetch_customer(customer_id: Any, *, alias: str = DEFAULT_DB_ALIAS) -> CustomerRow | None:
    """The (not deleted) customer with this id, or None."""
    connection = connections[alias]
    uuid = customer_id if isinstance(customer_id, UUID) else UUID(str(customer_id))
    key = Customer._meta.pk.get_db_prep_value(uuid, connection)
    row = _one_row(connection, _customer_sql(alias), {"id": key})
    return None if row is None else _customer_row(uuid, row, connection)


def fetch_customer_with_token_state(
    customer_id: UUID | None, token_id: int, *, alias: str = DEFAULT_DB_ALIAS
) -> tuple[tuple[bool, int], CustomerRow | None]:
    """The API token's state (live, access generation) and the customer, in one statement.

    The state is ``accounts.services.token_state_sql``'s, the same check a call with any
    other token makes; only when there is no such customer (or no id) does it take a
    query of its own.
    """
    connection = connections[alias]
    if customer_id is not None:
        key = Customer._meta.pk.get_db_prep_value(customer_id, connection)
        sql = _customer_sql(alias, token_state=True)
        row = _one_row(connection, sql, {"id": key, "token_id": token_id})
        if row is not None:
            return token_state(row[0], row[1]), _customer_row(customer_id, row[2:], connection)
    state = _one_row(connection, f"SELECT {token_state_sql(alias)}", {"token_id": token_id})
    return token_state(*(state or (None, None))), None


def _one_row(connection: Any, sql: str, params: dict[str, Any]) -> Sequence[Any] | None:
    """The first row of a prepared read.

    On SQLite, when nothing watches queries (no debug log, no test capturing them, no
    execute wrapper), the statement goes straight to the driver: Django's cursor wrapper
    costs as much as the statement. Errors still become Django's (``wrap_database_errors``,
    which also marks the connection for its end-of-request check); a broken transaction or
    a due health check takes Django's path, which deals with them.
    """
    if (
        connection.vendor != "sqlite"
        or connection.connection is None
        or connection.queries_logged
        or connection.execute_wrappers
        or connection.needs_rollback
        or (connection.health_check_enabled and not connection.health_check_done)
    ):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found: Sequence[Any] | None = cursor.fetchone()
            return found
    with connection.wrap_database_errors:
        found = connection.connection.execute(_sqlite_named(sql, tuple(params)), params).fetchone()
        return found


@cache
def _sqlite_named(sql: str, names: tuple[str, ...]) -> str:
    # Django's "%(name)s" style as the driver's ":name", as its SQLite cursor wrapper does
    return sql % {name: f":{name}" for name in names}


def _customer_row(uuid: UUID, row: Sequence[Any], connection: Any) -> CustomerRow:
    plan = _plan(connection.alias)
    values = {name: row[index] for index, name in plan.plain}
    for index, name, column, converters in plan.converted:
        value = row[index]
        for convert in converters:
            value = convert(value, column, connection)
        values[name] = value
    values["id"] = uuid
    values["owner_name"] = row[plan.extra]
    values["template_scenario"] = row[plan.extra + 1]
    values["tag_list"] = _tags(row[plan.extra + 2])
    sealed = {name: row[index] for index, name in plan.sealed}
    return CustomerRow(values, sealed, connection)


def _tags(raw: Any) -> list[dict[str, Any]]:
    # SQLite answers JSON as text, PostgreSQL (psycopg) as parsed lists
    items = json.loads(raw) if isinstance(raw, str) else (raw or [])
    tags = [{"id": i, "name": n, "group": g, "colour": c} for i, n, g, c in items]
    return sorted(tags, key=lambda tag: (tag["group"], tag["name"]))


@cache
def _tags_subquery(alias: str) -> str:
    """A customer's tags as one JSON array of [id, name, group, colour] (for the row query)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    tag, link = Tag._meta, CustomerTag._meta
    columns = f"t.{quote('id')}, t.{quote('name')}, t.{quote('group')}, t.{quote('colour')}"
    aggregate = (
        f"COALESCE(json_agg(json_build_array({columns})), '[]'::json)"
        if connection.vendor == "postgresql"
        else f"json_group_array(json_array({columns}))"
    )
    return (
        f"SELECT {aggregate} FROM {quote(tag.db_table)} t "
        f"JOIN {quote(link.db_table)} ct ON ct.{quote('tag_id')} = t.{quote('id')} "
        f"WHERE ct.{quote('customer_id')} = c.{quote(_column(Customer._meta.pk))}"
    )
