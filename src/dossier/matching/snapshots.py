"""Rows exactly as stored, to keep before a merge and put back when it is undone.

A snapshot holds every column of a customer's row, its lookups and the rows of every table
the customer-data registry re-points on merge. An encrypted column keeps its stored envelope
and its value (the snapshot itself is stored encrypted): an un-merge puts the same bytes back
while a key in the keyring opens them, and seals the value with the current key once a key
rotation has retired theirs. Other columns keep their Python value in a JSON-safe form that
their field parses back. Fingerprints of rows compare values, not envelopes, so a rotation
(new envelopes, same values) does not count as a change.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import F, Field, Model, TextField
from django.db.models.functions import Cast

from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.registry import CustomerData, entries
from dossier.protection.crypto import CryptoError, key_id_of
from dossier.protection.fields import EncryptedTextField, StoredEnvelope
from dossier.protection.keys import keyring

CUSTOMER = Customer._meta.label
LOOKUPS = CustomerLookup._meta.label
#: an encrypted column in a snapshot: {ENVELOPE: as stored, VALUE: what it opens to}
ENVELOPE, VALUE = "$env", "$value"
#: fingerprints of values (keyed: the rows hold personal data), not of envelopes
_DIGEST_VERSION = "v2:"


def kept_tables() -> list[CustomerData]:
    """The registry's tables a merge changes (those it re-points), lookups first."""
    chosen = [
        e
        for e in entries()
        if (e.repoint is not None and not e.derived) or e.model is CustomerLookup
    ]
    return sorted(chosen, key=lambda e: e.model is not CustomerLookup)


def _envelope_name(field: Field) -> str:  # type: ignore[type-arg]
    return f"_envelope_{field.attname}"


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, time):
        return {"$time": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$td": value.total_seconds()}
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, UUID):
        return {"$uuid": str(value)}
    if isinstance(value, bytes | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dict | list):
        # JSON columns keep their value; wrapped so a dict value is never read as a tag
        return {"$json": value}
    return value


def _decode(field: Field, value: Any) -> Any:  # type: ignore[type-arg]
    if isinstance(value, dict) and len(value) == 1:
        ((tag, inner),) = value.items()
        if tag == "$json":
            return inner
        if tag == "$bytes":
            return base64.b64decode(inner)
        if tag == "$td":
            return timedelta(seconds=inner)
        if tag in ("$dt", "$date", "$time", "$dec", "$uuid"):
            return field.to_python(inner)
    return value


def rows_of(model: type[Model], **filters: Any) -> list[dict[str, Any]]:
    """Every row of ``model`` matching ``filters``, column by column, ordered by key
    (encrypted columns as their stored envelope)."""
    return _rows(model, filters, values=False)


def _rows(model: type[Model], filters: dict[str, Any], *, values: bool) -> list[dict[str, Any]]:
    fields = model._meta.concrete_fields
    encrypted = [f for f in fields if isinstance(f, EncryptedTextField)]
    queryset = model._base_manager.filter(**filters).order_by("pk")
    if encrypted:
        queryset = queryset.annotate(
            **{_envelope_name(f): Cast(F(f.attname), output_field=TextField()) for f in encrypted}
        )
    rows = []
    for obj in queryset:
        row: dict[str, Any] = {}
        for field in fields:
            if isinstance(field, EncryptedTextField):
                envelope = getattr(obj, _envelope_name(field)) or ""
                if values and envelope:
                    row[field.attname] = {ENVELOPE: envelope, VALUE: getattr(obj, field.attname)}
                else:
                    row[field.attname] = envelope
            else:
                row[field.attname] = _encode(getattr(obj, field.attname))
        rows.append(row)
    return rows


def customer_rows(customer_ids: Sequence[Any]) -> dict[Any, dict[str, list[dict[str, Any]]]]:
    """Each customer's snapshot: table label → rows (the customer's own row under its label)."""
    snapshot: dict[Any, dict[str, list[dict[str, Any]]]] = {cid: {} for cid in customer_ids}
    for customer_id in customer_ids:
        snapshot[customer_id][CUSTOMER] = _rows(Customer, {"pk": customer_id}, values=True)
        for entry in kept_tables():
            rows = _rows(entry.model, {entry.customer_field: customer_id}, values=True)
            snapshot[customer_id][entry.model._meta.label] = rows
    return snapshot


def _cells(rows: list[dict[str, Any]], keep: str) -> list[dict[str, Any]]:
    """The rows with each encrypted column reduced to its envelope or its value."""
    return [
        {k: v[keep] if isinstance(v, dict) and ENVELOPE in v else v for k, v in row.items()}
        for row in rows
    ]


def _fingerprint(rows: list[dict[str, Any]]) -> str:
    text = json.dumps(_cells(rows, VALUE), sort_keys=True, ensure_ascii=False).encode()
    key = hmac.new(keyring().index_key, b"merge snapshot", hashlib.sha256).digest()
    return _DIGEST_VERSION + hmac.new(key, text, hashlib.sha256).hexdigest()


def _legacy_fingerprint(rows: list[dict[str, Any]]) -> str:
    # merges made before fingerprints compared values: a hash of the envelopes
    text = json.dumps(_cells(rows, ENVELOPE), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(text).hexdigest()


def digests(snapshot: dict[Any, dict[str, list[dict[str, Any]]]]) -> dict[str, dict[str, str]]:
    """A fingerprint of each customer's rows per table: equal values, equal fingerprints."""
    return {
        str(customer_id): {label: _fingerprint(rows) for label, rows in tables.items()}
        for customer_id, tables in snapshot.items()
    }


def unchanged(kept: str | None, rows: list[dict[str, Any]]) -> bool:
    """Do ``rows`` (from :func:`customer_rows`) still match the fingerprint ``kept``?"""
    if kept is None:
        return False
    if kept.startswith(_DIGEST_VERSION):
        return hmac.compare_digest(kept, _fingerprint(rows))
    return kept == _legacy_fingerprint(rows)


def _sealed_value(stored: Any) -> Any:
    """What to write back for an encrypted column: the same envelope while a key opens it,
    else its value (sealed again with the current key on save)."""
    if not isinstance(stored, dict):
        return StoredEnvelope(stored) if stored else stored  # snapshots before values were kept
    try:
        opened = key_id_of(stored[ENVELOPE]) in keyring().keys
    except CryptoError:
        opened = False
    return StoredEnvelope(stored[ENVELOPE]) if opened else stored[VALUE]


def _python_values(model: type[Model], row: dict[str, Any]) -> dict[str, Any]:
    values = {}
    for field in model._meta.concrete_fields:
        if field.attname not in row:
            continue
        stored = row[field.attname]
        if isinstance(field, EncryptedTextField):
            values[field.attname] = _sealed_value(stored)
        else:
            values[field.attname] = _decode(field, stored)
    return values


def restore_table(
    model: type[Model],
    customer_field: str,
    customer_ids: Iterable[Any],
    rows: Sequence[dict[str, Any]],
    *,
    replace: bool = False,
) -> None:
    """Make ``model``'s rows of these customers exactly ``rows``: extra rows go, missing ones
    come back with their old keys, changed ones get every column back.

    ``replace`` deletes them all first (for tables nothing points at, whose unique indexes
    an update row by row could trip over midway).
    """
    pk_field = model._meta.pk
    wanted = {}
    for row in rows:
        values = _python_values(model, row)
        wanted[pk_field.to_python(values[pk_field.attname])] = values
    current = model._base_manager.filter(**{f"{customer_field}__in": list(customer_ids)})
    # rows the merge created or moved in from customers outside this snapshot go
    (current if replace else current.exclude(pk__in=list(wanted))).delete()
    present = set(model._base_manager.filter(pk__in=list(wanted)).values_list("pk", flat=True))
    missing = [model(**values) for pk, values in wanted.items() if pk not in present]
    if missing:
        model._base_manager.bulk_create(missing)
    # an insert stamps auto_now fields; an update writes every column as it was
    for pk, values in wanted.items():
        columns = {k: v for k, v in values.items() if k != pk_field.attname}
        if columns:
            model._base_manager.filter(pk=pk).update(**columns)
