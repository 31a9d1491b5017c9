"""Loading many new customers fast: the import's path for rows that create customers.

The same rules as :func:`create_customers` — the one validator, encryption of personal
values, blind indexes, unique values, counts, one audit event and one ``customer.created``
event per customer — split in two so the costly half runs in parallel:

* :func:`prepare_new_customers` is pure CPU (validate, split, encrypt, digest, search
  text) and touches no database, so worker processes run it on chunks of rows. What it
  returns holds ciphertext only: plaintext never leaves the worker, nor lands anywhere.
* :func:`load_new_customers` checks unique values against the stored customers (one query
  per unique field) and writes everything with :func:`dossier.core.bulk_insert.insert_rows` (COPY
  on PostgreSQL) in the caller's transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.core import bulk_insert as bulk
from dossier.core.fields import FieldError, FieldSpec, validate_rows
from dossier.customers import counts, search_index
from dossier.customers.ids import uuid7
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.services.profiles import (
    check_may_create,
    check_owner,
    current_version,
    owner_team,
)
from dossier.customers.services.storage import guard_unique_values, taken_values, unique_keys
from dossier.customers.values import split_values
from dossier.outbox.services import publish_batch
from dossier.templates.models import Template

#: Customer columns a prepared row fills, in order; the loader adds the rest
PREPARED = (
    "kind", "display_name", "gender", "birthday", "phone", "email", "province", "city",
    "district", "address", "company", "title", "source", "lifecycle", "attributes",
    "protected", "search_text", "sort_name",
)  # fmt: skip
LOADED = ("id", "template_id", "template_version_id", "owner_id", "team_id", "created_by_id")
STAMPED = ("version", "created_at", "updated_at")
_ENCRYPTED = ("phone", "email", "address", "protected")


@dataclass
class PreparedCustomer:
    """One valid row, ready to insert: encrypted where it must be. Picklable."""

    row: int
    values: tuple[Any, ...]  # in the order of PREPARED
    lookups: dict[str, str]  # field (or "field:last4") → digest
    unique: tuple[tuple[str, str], ...]  # (field, digest) of unique fields


@dataclass
class PreparedRows:
    ready: list[PreparedCustomer] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)


def prepare_new_customers(
    rows: Sequence[Mapping[str, Any]], specs: Sequence[FieldSpec], numbers: Sequence[int]
) -> PreparedRows:
    """Validate and protect rows for :func:`load_new_customers`; ``numbers`` are their rows.

    No database access: safe in a worker process.
    """
    fields = {f.attname: f for f in Customer._meta.concrete_fields}
    encrypt = {name: fields[name].get_prep_value for name in _ENCRYPTED}
    unique = unique_keys(specs)
    out = PreparedRows()
    for checked in validate_rows(rows, specs):
        number = numbers[checked.row - 1]
        if not checked.ok:
            out.errors += [e.at(row=number) for e in checked.errors]
            continue
        stored = split_values(checked.clean, specs)
        columns = stored.columns
        values = []
        for name in PREPARED:
            if name == "attributes":
                value: Any = stored.attributes
            elif name == "protected":
                value = stored.protected
            else:
                value = columns.get(name, None if name == "birthday" else _DEFAULTS.get(name, ""))
            if name in encrypt:
                value = encrypt[name](value)
            values.append(value)
        pairs = tuple((k, d) for k, d in stored.lookups.items() if k in unique)
        out.ready.append(PreparedCustomer(number, tuple(values), stored.lookup_rows(), pairs))
    return out


_DEFAULTS = {"kind": "person"}


@dataclass
class LoadResult:
    created: list[tuple[int, Any]] = field(default_factory=list)  # (row, customer id)
    errors: list[FieldError] = field(default_factory=list)


@transaction.atomic
def load_new_customers(
    *,
    actor: User,
    template: Template,
    prepared: Sequence[PreparedCustomer],
    specs: Sequence[FieldSpec],
    owner: User | None = None,
    version_id: int | None = None,
) -> LoadResult:
    """Insert prepared customers; a row whose unique value is taken fails ``not_unique``.

    Rows must not repeat a unique value among themselves (the import removes repeats
    first). The actor must be allowed to create customers of the template. ``version_id``
    names the version whose ``specs`` prepared the rows (default: the published one), so a
    version published during a long import does not claim rows checked against the last.
    """
    check_may_create(actor, template)
    owner = owner or actor
    check_owner(actor=actor, owner=owner, template=template)
    result = LoadResult()
    kept = _free_of_taken(template, prepared, specs, result)
    if not kept:
        return result
    version = version_id or current_version(template).pk
    now = timezone.now()
    team_id = owner_team(owner)
    ids = [uuid7() for _ in kept]
    names = (*PREPARED, *LOADED, *STAMPED)
    # text columns go to the database as they are; only these need the field's preparation
    to_date, to_json, to_id = bulk.preparers(Customer, ["birthday", "attributes", "id"])
    birthday, attributes = PREPARED.index("birthday"), PREPARED.index("attributes")
    fixed = tuple(
        prep(value)
        for prep, value in zip(
            bulk.preparers(Customer, [*LOADED[1:], *STAMPED]),
            (template.pk, version, owner.pk, team_id, actor.pk, 1, now, now),
            strict=True,
        )
    )
    customer_rows = []
    for item, pk in zip(kept, ids, strict=True):
        row = list(item.values)
        row[birthday] = to_date(row[birthday])
        row[attributes] = to_json(row[attributes])
        customer_rows.append((*row, to_id(pk), *fixed))
    pairs = {pair for item in kept for pair in item.unique}
    with guard_unique_values(template=template, pairs=pairs):
        bulk.insert_rows(Customer, names, customer_rows, prepared=True)
        _insert_lookups(template, kept, ids, specs)
    search_index.index_customers(
        [
            _Indexed(pk, item.values[PREPARED.index("search_text")])
            for item, pk in zip(kept, ids, strict=True)
        ],
        fresh=True,
    )
    counts.template_added(template.pk, len(kept))
    _audit_and_announce(actor, owner, ids, now)
    result.created = [(item.row, pk) for item, pk in zip(kept, ids, strict=True)]
    return result


@dataclass
class _Indexed:
    pk: Any
    search_text: str


def _free_of_taken(
    template: Template,
    prepared: Sequence[PreparedCustomer],
    specs: Sequence[FieldSpec],
    result: LoadResult,
) -> list[PreparedCustomer]:
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in prepared:
        for key, digest in item.unique:
            wanted[key].add(digest)
    held = taken_values(template=template, wanted=wanted) if wanted else {}
    by_key = {spec.key: spec for spec in specs}
    kept = []
    for item in prepared:
        clashes = [key for key, digest in item.unique if held.get((key, digest))]
        if clashes:
            result.errors += [
                FieldError("not_unique", spec=by_key[k], row=item.row) for k in clashes
            ]
        else:
            kept.append(item)
    return kept


def _insert_lookups(
    template: Template,
    kept: Sequence[PreparedCustomer],
    ids: Sequence[Any],
    specs: Sequence[FieldSpec],
) -> None:
    unique = unique_keys(specs)
    names = ("customer_id", "template_id", "field", "digest", "unique")
    prepare_id = bulk.preparers(CustomerLookup, ["customer_id"])[0]
    rows = []
    for item, pk in zip(kept, ids, strict=True):
        customer_id = prepare_id(pk)
        for key, digest in item.lookups.items():
            rows.append((customer_id, template.pk, key, digest, key in unique))
    bulk.insert_rows(CustomerLookup, names, rows, prepared=True)


def _audit_and_announce(actor: User, owner: User, ids: Sequence[Any], now: Any) -> None:
    """One audit event and one ``customer.created`` event per customer, as every create."""
    changes = {"owner": {"before": None, "after": owner.get_username()}} if owner != actor else {}
    names = ("at", "actor_id", "actor_name", "action", "object_type", "object_id", "customer_id",
             "changes", "reason", "user_agent")  # fmt: skip
    prepare = bulk.preparers(AuditEvent, names)
    head = (prepare[0](now), actor.pk, actor.get_username(), "create", "customer")
    json_changes = prepare[7](changes)
    rows = []
    for pk in ids:
        rows.append((*head, str(pk), prepare[6](pk), json_changes, "", ""))
    bulk.insert_rows(AuditEvent, names, rows, prepared=True)
    publish_batch(
        actor=actor,
        events=[
            {
                "name": "customer.created",
                "customer_id": pk,
                "object_type": "customer",
                "object_id": pk,
            }
            for pk in ids
        ],
    )
