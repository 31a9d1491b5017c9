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

import uuid
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
from dossier.templates.core_fields import CORE_KEYS
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


@dataclass(slots=True)
class PreparedCustomer:
    """One valid row, ready to insert: encrypted where it must be. Picklable.

    Built in the form the database takes, so the writer only joins and streams: on
    PostgreSQL ``line`` and ``lookup_lines`` are COPY text (``values`` is empty), elsewhere
    ``values`` holds the prepared column values.
    """

    row: int
    pk: Any
    values: tuple[Any, ...]  # in the order of PREPARED, then the id
    lookups: dict[str, str]  # field (or "field:last4") → digest
    unique: tuple[tuple[str, str], ...]  # (field, digest) of unique fields
    line: str = ""  # the customer's columns (PREPARED, id) as COPY text, with its newline
    lookup_lines: str = ""  # its lookup rows (LOOKUP_PREPARED) as COPY text
    search_text: str = ""
    #: the field keys that hold a value once stored (what completeness counts)
    filled: frozenset[str] = frozenset()


@dataclass
class PreparedRows:
    """What a chunk's preparation gives the writer: the customers ready, the rows' errors.

    Sent from worker processes in columns (:func:`_packed`): one text per column instead of
    one object per row, so sending and receiving a chunk costs a few object builds a row.
    """

    ready: list[PreparedCustomer] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_unpacked, (_packed(self.ready), self.errors))


def _packed(ready: Sequence[PreparedCustomer]) -> tuple[Any, ...]:
    """``ready`` as columns; :func:`_unpacked` gives the same customers back."""
    shapes: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    fills: dict[frozenset[str], int] = {}
    shape_of: list[int] = []
    fill_of: list[int] = []
    digests: list[str] = []
    line_ends: list[int] = []
    end = 0
    for item in ready:
        shape = (tuple(item.lookups), tuple(key for key, _digest in item.unique))
        shape_of.append(shapes.setdefault(shape, len(shapes)))
        fill_of.append(fills.setdefault(item.filled, len(fills)))
        digests += item.lookups.values()
        end += len(item.lookup_lines)
        line_ends.append(end)
    return (
        [item.row for item in ready],
        b"".join(item.pk.bytes for item in ready),
        [item.values for item in ready] if any(item.values for item in ready) else None,
        list(shapes),
        shape_of,
        digests,
        "".join(item.line for item in ready),
        "".join(item.lookup_lines for item in ready),
        line_ends,
        [item.search_text for item in ready] if any(i.search_text for i in ready) else None,
        list(fills),
        fill_of,
    )


def _unpacked(packed: tuple[Any, ...], errors: list[FieldError]) -> PreparedRows:
    (rows, ids, values, shapes, shape_of, digests, lines, lookup_text, line_ends, search,
     fills, fill_of) = packed  # fmt: skip
    # each customer line ends in its own newline and holds no other (COPY escapes them)
    customer_lines = [line + "\n" for line in lines.split("\n")[:-1]] if lines else None
    ready = []
    at = start = 0
    for index, row in enumerate(rows):
        keys, unique_keys = shapes[shape_of[index]]
        lookups = dict(zip(keys, digests[at : at + len(keys)], strict=True))
        at += len(keys)
        end = line_ends[index]
        ready.append(
            PreparedCustomer(
                row,
                uuid.UUID(bytes=ids[16 * index : 16 * index + 16]),
                values[index] if values is not None else (),
                lookups,
                tuple([(key, lookups[key]) for key in unique_keys]),
                customer_lines[index] if customer_lines is not None else "",
                lookup_text[start:end],
                search[index] if search is not None else "",
                fills[fill_of[index]],
            )
        )
        start = end
    return PreparedRows(ready, errors)


#: lookup columns a prepared row fills; the loader adds the template
LOOKUP_PREPARED = ("customer_id", "field", "digest", "unique")


def prepare_new_customers(
    rows: Sequence[Mapping[str, Any]], specs: Sequence[FieldSpec], numbers: Sequence[int]
) -> PreparedRows:
    """Validate and protect rows for :func:`load_new_customers`; ``numbers`` are their rows.

    No database access: safe in a worker process. The new customers' ids are drawn here.
    """
    fields = {f.attname: f for f in Customer._meta.concrete_fields}
    encrypted = [(PREPARED.index(name), fields[name].get_prep_value) for name in _ENCRYPTED]
    unique = unique_keys(specs)
    as_text = bulk.uses_copy()
    make = bulk.text_preparers if as_text else bulk.preparers
    to_date, to_json, to_id = make(Customer, ["birthday", "attributes", "id"])
    out = PreparedRows()
    for checked in validate_rows(rows, specs):
        number = numbers[checked.row - 1]
        if not checked.ok:
            out.errors += [e.at(row=number) for e in checked.errors]
            continue
        stored = split_values(checked.clean, specs)
        columns = stored.columns
        get = columns.get
        # every column in the order of PREPARED; the three below are filled in after
        values: list[Any] = [get(name, default) for name, default in _COLUMN_DEFAULTS]
        values[_BIRTHDAY] = to_date(values[_BIRTHDAY])
        values[_ATTRIBUTES] = to_json(stored.attributes)
        values[_PROTECTED] = stored.protected
        for index, encrypt in encrypted:
            values[index] = encrypt(values[index])
        filled = _filled_keys(columns, stored.attributes, stored.protected)
        pk = uuid7()
        values.append(to_id(pk))
        lookups = stored.lookup_rows()
        pairs = tuple((k, d) for k, d in stored.lookups.items() if k in unique)
        if not as_text:
            out.ready.append(
                PreparedCustomer(
                    number,
                    pk,
                    tuple(values),
                    lookups,
                    pairs,
                    search_text=values[_SEARCH_TEXT],
                    filled=filled,
                )
            )
            continue
        line = _copy_line(values) + "\n"
        # field keys are identifiers (KEY_PATTERN, ":last4") and digests hex: no escapes
        customer = line[line.rindex("\t") + 1 : -1]
        lookup_lines = "".join(
            [
                f"{customer}\t{key}\t{digest}\t{'t' if key in unique else 'f'}\n"
                for key, digest in lookups.items()
            ]
        )
        out.ready.append(
            PreparedCustomer(number, pk, (), lookups, pairs, line, lookup_lines, filled=filled)
        )
    return out


def _copy_line(values: Sequence[Any]) -> str:
    """:func:`bulk.copy_line`, the common case first: text values that need no escape
    are joined as they are (one search over them all); the rest go through it."""
    if bulk.needs_escape("".join([v for v in values if v.__class__ is str])):
        return bulk.copy_line(values)
    return "\t".join([v if v.__class__ is str else bulk.copy_line((v,)) for v in values])


def _filled_keys(
    columns: Mapping[str, Any], attributes: Mapping[str, Any], protected: Mapping[str, Any]
) -> frozenset[str]:
    # as the quality refresh reads a stored row: a core column counts when it is not empty
    # (kind is always "person" at least), a JSON value when it is not None, "" or []
    keys = {name for name, value in columns.items() if value and name in CORE_KEYS}
    if "kind" not in columns:
        keys.add("kind")  # its default
    keys.update(k for k, v in attributes.items() if v is not None and v != "" and v != [])
    keys.update(k for k, v in protected.items() if v is not None and v != "" and v != [])
    return frozenset(keys)


_DEFAULTS = {"kind": "person"}
#: (column, value when the row has none); attributes and protected are filled in apart
_COLUMN_DEFAULTS = tuple(
    (name, _DEFAULTS.get(name, None if name in ("birthday", "attributes", "protected") else ""))
    for name in PREPARED
)
_BIRTHDAY, _ATTRIBUTES, _PROTECTED, _SEARCH_TEXT = (
    PREPARED.index(name) for name in ("birthday", "attributes", "protected", "search_text")
)


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
    ids = [item.pk for item in kept]
    pairs = {pair for item in kept for pair in item.unique}
    fixed = (template.pk, version, owner.pk, owner_team(owner), actor.pk, 1, now, now)
    with guard_unique_values(template=template, pairs=pairs):
        _insert_customers(kept, fixed)
        _insert_lookups(template, kept, specs)
    search_index.index_customers((_Indexed(item.pk, item.search_text) for item in kept), fresh=True)
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


def _insert_customers(kept: Sequence[PreparedCustomer], fixed: tuple[Any, ...]) -> None:
    names = (*PREPARED, "id", *LOADED[1:], *STAMPED)
    tail = tuple(
        prepare(value)
        for prepare, value in zip(
            bulk.preparers(Customer, names[-len(fixed) :]), fixed, strict=True
        )
    )
    if bulk.uses_copy():
        text_tail = "\t" + bulk.copy_line(tail)
        # the worker's lines end in a newline: the columns all rows share go before each
        text = "".join(item.line for item in kept).replace("\n", text_tail + "\n")
        bulk.copy_text(Customer, names, text)
        return
    bulk.insert_rows(Customer, names, [(*item.values, *tail) for item in kept], prepared=True)


def _insert_lookups(
    template: Template, kept: Sequence[PreparedCustomer], specs: Sequence[FieldSpec]
) -> None:
    names = (*LOOKUP_PREPARED, "template_id")
    if bulk.uses_copy():
        text = "".join(item.lookup_lines for item in kept)
        bulk.copy_text(CustomerLookup, names, text.replace("\n", f"\t{template.pk}\n"))
        return
    unique = unique_keys(specs)
    prepare_id = bulk.preparers(CustomerLookup, ["customer_id"])[0]
    rows = []
    for item in kept:
        customer_id = prepare_id(item.pk)
        for key, digest in item.lookups.items():
            rows.append((customer_id, key, digest, key in unique, template.pk))
    bulk.insert_rows(CustomerLookup, names, rows, prepared=True)


def _audit_and_announce(actor: User, owner: User, ids: Sequence[Any], now: Any) -> None:
    """One audit event and one ``customer.created`` event per customer, as every create."""
    changes = {"owner": {"before": None, "after": owner.get_username()}} if owner != actor else {}
    names = ("object_id", "customer_id", "at", "actor_id", "actor_name", "action", "object_type",
             "changes", "reason", "user_agent")  # fmt: skip
    shared = (now, actor.pk, actor.get_username(), "create", "customer", changes, "", "")
    if bulk.uses_copy():
        prepare = bulk.text_preparers(AuditEvent, names[2:])
        tail = "\t" + bulk.copy_line([p(v) for p, v in zip(prepare, shared, strict=True)])
        text = "".join(f"{pk}\t{pk}{tail}\n" for pk in ids)
        bulk.copy_text(AuditEvent, names, text)
    else:
        prepare = bulk.preparers(AuditEvent, names)
        head = tuple(p(v) for p, v in zip(prepare[2:], shared, strict=True))
        prepare_id = prepare[1]
        rows = [(str(pk), prepare_id(pk), *head) for pk in ids]
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
