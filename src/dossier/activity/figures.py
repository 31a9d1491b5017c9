"""Keeping a customer's figures current, and checking them against their source rows.

Single writes adjust with ``UPDATE … SET n = n + k`` (concurrent writers add up); a batch
(bulk orders, an import) calls :func:`refresh_figures`, which locks the customers' figure
rows and recounts them from the source rows in one query per source. Each app registers how
to recount its columns, so ``dossier figures verify`` finds any drift.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from django.db import connection
from django.db.models import F, Field
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from dossier.activity.models import CustomerFigures

#: recount(customer ids, or None for all) → {customer id: {column: value}} for customers that
#: have source rows; customers left out get the columns' defaults
Recount = Callable[[Sequence[Any] | None], Mapping[Any, Mapping[str, Any]]]


@dataclass(frozen=True)
class FigureSource:
    """An app's part of the figures: the columns it keeps and how to recount them."""

    key: str
    columns: tuple[str, ...]
    recount: Recount


_SOURCES: dict[str, FigureSource] = {}


def register_figure_source(source: FigureSource) -> None:
    """Declare the columns an app keeps (call from ``AppConfig.ready``)."""
    unknown = set(source.columns) - set(_defaults())
    if unknown:
        raise ValueError(f"{source.key}: no such figure columns {sorted(unknown)}")
    _SOURCES[source.key] = source


def figure_sources() -> list[FigureSource]:
    """Every registered source."""
    return list(_SOURCES.values())


def _defaults() -> dict[str, Any]:
    return {
        f.name: f.get_default()
        for f in CustomerFigures._meta.concrete_fields
        if f.name not in ("customer", "updated_at")
    }


def _ensure(customer_ids: Iterable[Any]) -> None:
    CustomerFigures.objects.bulk_create(
        [CustomerFigures(customer_id=pk) for pk in customer_ids], ignore_conflicts=True
    )


def add_to_figures(*, customer_id: Any, **deltas: Any) -> None:
    """Add to counters and sums (``order_count=1, total_spend=Decimal("99")``; negatives too)."""
    _ensure([customer_id])
    changes = {name: F(name) + delta for name, delta in deltas.items() if delta}
    if changes:
        CustomerFigures.objects.filter(pk=customer_id).update(**changes)


def extend_figures(
    *,
    customer_id: Any,
    earliest: Mapping[str, Any] | None = None,
    latest: Mapping[str, Any] | None = None,
    values: Mapping[str, Any] | None = None,
) -> None:
    """Move dates outward (``earliest`` keeps the smaller, ``latest`` the larger) and set values.

    ``values`` overwrite (the last NPS); NULL never wins over a date already kept.
    """
    _ensure([customer_id])
    changes: dict[str, Any] = dict(values or {})
    for name, value in (earliest or {}).items():
        if value is not None:
            changes[name] = Coalesce(Least(F(name), value), value)
    for name, value in (latest or {}).items():
        if value is not None:
            changes[name] = Coalesce(Greatest(F(name), value), value)
    if changes:
        CustomerFigures.objects.filter(pk=customer_id).update(**changes)


def add_to_figures_many(
    changes: Mapping[Any, Mapping[str, Any]],
    *,
    earliest: Sequence[str] = (),
    latest: Sequence[str] = (),
) -> None:
    """What :func:`add_to_figures` and :func:`extend_figures` do, for many customers at once.

    ``changes``: by customer id, the amount to add to each column, except the columns named in
    ``earliest`` / ``latest``, which hold a date that moves that column outward (None: leave
    it). One statement whatever the count: an upsert that creates missing figure rows and
    adds to the others in the database, so concurrent writers add up (rows taken in key
    order, as :func:`refresh_figures` takes them).
    """
    if not changes:
        return
    names = sorted({name for values in changes.values() for name in values})
    unknown = set(names) - set(_defaults())
    if unknown:
        raise ValueError(f"no such figure columns {sorted(unknown)}")
    dates = set(earliest) | set(latest)
    blank = {name: None if name in dates else 0 for name in names}
    rows = [
        [pk, *(changes[pk].get(name, blank[name]) for name in names)]
        for pk in sorted(changes, key=str)
    ]
    meta = CustomerFigures._meta
    given = [_field("customer_id"), *(_field(name) for name in names)]
    rest = [
        f
        for f in meta.concrete_fields
        if f.attname not in names and f.attname not in ("customer_id", "updated_at")
    ]
    stamp = _field("updated_at")
    source, picked, data = _json_rows(given, rows)
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    sets = []
    for f in given[1:]:
        column = quote(str(f.column))
        old, new = f"{table}.{column}", f"EXCLUDED.{column}"
        if f.attname in dates:
            wins = "<" if f.attname in earliest else ">"
            sets.append(
                f"{column} = CASE WHEN {new} IS NULL THEN {old} WHEN {old} IS NULL "
                f"OR {new} {wins} {old} THEN {new} ELSE {old} END"
            )
        else:
            sets.append(f"{column} = {old} + {new}")
    sets.append(f"{quote(str(stamp.column))} = EXCLUDED.{quote(str(stamp.column))}")
    columns = ", ".join(quote(str(f.column)) for f in [*given, *rest, stamp])
    sql = (
        f"INSERT INTO {table} ({columns}) "
        f"SELECT {', '.join([*picked, *(['%s'] * (len(rest) + 1))])} FROM {source} "
        f"ON CONFLICT ({quote(str(given[0].column))}) DO UPDATE SET {', '.join(sets)}"
    )
    # in the order of the placeholders: the defaults and the time (SELECT), then the rows (FROM)
    params: list[Any] = [f.get_db_prep_save(f.get_default(), connection) for f in rest]
    params += [stamp.get_db_prep_save(timezone.now(), connection), data]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _field(name: str) -> Field:  # type: ignore[type-arg]
    return cast(Field, CustomerFigures._meta.get_field(name))  # type: ignore[type-arg]


def _json_rows(fields: Sequence[Field], rows: list[list[Any]]) -> tuple[str, list[str], str]:  # type: ignore[type-arg]
    """A FROM clause reading ``rows`` from one JSON parameter, its columns, and that JSON.

    One parameter instead of one per value: the driver has one string to pass, the
    database parses it in C.
    """
    if connection.vendor == "postgresql":  # the server casts each value to its column's type
        # rows as JSON arrays, values not JSON has (ids, amounts, times) as their text
        picked = [f"(d.r->>{i})::{f.db_type(connection)}" for i, f in enumerate(fields)]
        return "jsonb_array_elements(%s::jsonb) AS d(r)", picked, json.dumps(rows, default=str)
    # SQLite: values as the ORM stores them; WHERE keeps ON CONFLICT from reading as a join's
    prepared = [
        [
            None if v is None else f.get_db_prep_save(v, connection)
            for f, v in zip(fields, row, strict=True)
        ]
        for row in rows
    ]
    picked = [f"json_extract(value, '$[{i}]')" for i in range(len(fields))]
    return "json_each(%s) WHERE true", picked, json.dumps(prepared, default=str)


def refresh_figures(customer_ids: Iterable[Any], *, sources: Sequence[str] | None = None) -> None:
    """Recount these customers' figures from the source rows (a batch wrote many at once).

    Locks the figure rows first (in key order), so a concurrent single write either lands
    before the recount (and is counted) or waits and adds its delta after.
    """
    ids = sorted({pk for pk in customer_ids}, key=str)
    if not ids:
        return
    _ensure(ids)
    chosen = [s for s in figure_sources() if sources is None or s.key in sources]
    defaults = _defaults()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        rows = {
            row.pk: row
            for row in CustomerFigures.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
        }
        columns: list[str] = []
        for source in chosen:
            counted = source.recount(chunk)
            columns.extend(source.columns)
            for pk, row in rows.items():
                found = counted.get(pk, {})
                for name in source.columns:
                    setattr(row, name, found.get(name, defaults[name]))
        if columns:
            _save(list(rows.values()), columns)


def _save(rows: Sequence[CustomerFigures], columns: Sequence[str]) -> None:
    """Save these columns of many figure rows: one UPDATE statement, sent for every row.

    ``bulk_update`` builds a CASE per row and column: about a second of CPU per thousand.
    """
    meta = CustomerFigures._meta
    quote = connection.ops.quote_name
    fields = [cast(Field, meta.get_field(name)) for name in columns]  # type: ignore[type-arg]
    pk = cast(Field, meta.pk)  # type: ignore[type-arg]
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(pk.column))} = %s"
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields]
        + [pk.get_db_prep_value(row.pk, connection)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def verify(customer_ids: Sequence[Any] | None = None) -> list[str]:
    """Lines naming each kept figure that differs from its recount (empty: no drift)."""
    defaults = _defaults()
    kept = CustomerFigures.objects.all()
    if customer_ids is not None:
        kept = kept.filter(pk__in=list(customer_ids))
    stored = {row.pk: row for row in kept}
    drift = []
    for source in figure_sources():
        counted = source.recount(customer_ids)
        for pk in sorted(set(stored) | set(counted), key=str):
            row = stored.get(pk)
            for name in source.columns:
                want = counted.get(pk, {}).get(name, defaults[name])
                have = getattr(row, name) if row is not None else defaults[name]
                if have != want:
                    drift.append(f"{pk} {name}: kept {have!r}, source rows say {want!r}")
    return drift
