"""Working out every customer's completeness and freshness again, in bulk.

One pass over the live customers in key order, a chunk at a time, reading plain column
values (``values_list``: no model per row): the typed core columns, the general attributes,
whether each encrypted contact column is empty (asked of the ciphertext, never decrypted) and
the protected values' envelope, which is decrypted only for versions that have protected
fields outside the core columns. Each chunk's rows are written in one upsert: on PostgreSQL
a COPY into a temporary table and one ``INSERT … ON CONFLICT``, elsewhere ``bulk_create``
with ``update_conflicts``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Q, TextField, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest
from django.utils import timezone

from dossier.customers.models import Customer
from dossier.quality import scoring
from dossier.quality.models import CustomerQuality
from dossier.quality.policies import Policy, policies, weighted_fields
from dossier.quality.verifications import last_verified
from dossier.templates.core_fields import CORE_KEYS
from dossier.templates.selectors import version_info

CHUNK = 20_000
#: core columns stored encrypted: only their emptiness is read
ENCRYPTED_CORE = ("phone", "email", "address")
PLAIN_CORE = tuple(sorted(CORE_KEYS - set(ENCRYPTED_CORE)))
#: the first columns of a read row; then the plain core columns, the encrypted ones'
#: emptiness flags and the protected values' envelope
READ = ("pk", "template_id", "template_version_id", "last_activity", "attributes")
COLUMNS = (
    "customer_id",
    "completeness",
    "missing",
    "freshness",
    "last_activity_at",
    "stale",
    "verified",
    "refreshed_at",
)


@dataclass
class Refreshed:
    """What a refresh did: how many customers, how long it took."""

    customers: int
    seconds: float


@dataclass
class _Plan:
    """What scoring one version's customers needs, worked out once per refresh."""

    policy: Policy
    #: per weighted field: its key and the row index of its column (None: in the JSON values)
    checks: list[tuple[str, int | None]]
    weighted: list[scoring.Weighted]
    #: the version keeps counted values in the encrypted JSON (not core columns)
    reads_protected: bool
    #: (score, missing as JSON) by which of the weighted fields hold a value: records share a
    #: handful of patterns, so the arithmetic is done once per pattern, not once per row
    scores: dict[tuple[bool, ...], tuple[int, str]]

    def score(self, present: tuple[bool, ...]) -> tuple[int, str]:
        found = self.scores.get(present)
        if found is None:
            keys = {key for (key, _i), has in zip(self.checks, present, strict=True) if has}
            score, missing = scoring.completeness(self.weighted, keys)
            found = self.scores[present] = (score, json.dumps(missing, ensure_ascii=False))
        return found


def _has(column: str) -> Case:
    empty = Q(**{column: ""}) | Q(**{f"{column}__isnull": True})
    return Case(When(empty, then=Value(False)), default=Value(True), output_field=BooleanField())


#: where each core field's value (or emptiness flag) sits in a read row
_CORE_INDEX = {
    **{key: len(READ) + i for i, key in enumerate(PLAIN_CORE)},
    **{key: len(READ) + len(PLAIN_CORE) + i for i, key in enumerate(ENCRYPTED_CORE)},
}


def _plan(version_id: int, template_id: int, found: dict[int, Policy]) -> _Plan:
    policy = found.get(template_id) or Policy()
    specs = {s.key: s for s in version_info(version_id).specs}
    weighted = [w for w in weighted_fields(version_id, policy) if w.weight > 0]
    checks = [(w.key, _CORE_INDEX.get(w.key)) for w in weighted]
    protected = any(i is None and specs[key].classification != "general" for key, i in checks)
    return _Plan(policy, checks, weighted, protected, {})


def _filled(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _rows(
    chunk: Sequence[tuple[Any, ...]],
    now: datetime,
    found: dict[int, Policy],
    verified: dict[Any, datetime],
    plans: dict[int, _Plan],
) -> list[tuple[Any, ...]]:
    field = Customer._meta.get_field("protected")
    envelope_at = len(READ) + len(PLAIN_CORE) + len(ENCRYPTED_CORE)
    out = []
    for row in chunk:
        pk, template_id, version_id, last, attributes = row[:5]
        plan = plans.get(version_id)
        if plan is None:
            plan = plans[version_id] = _plan(version_id, template_id, found)
        attributes = attributes or {}
        protected: dict[str, Any] = {}
        if plan.reads_protected and row[envelope_at]:
            protected = field.from_db_value(row[envelope_at], None, connection)  # type: ignore[attr-defined]
        present = tuple(
            bool(row[i])
            if i is not None
            else _filled(attributes.get(key)) or _filled(protected.get(key))
            for key, i in plan.checks
        )
        score, missing = plan.score(present)
        seen = verified.get(pk)
        if seen is not None and (last is None or seen > last):
            last = seen
        policy = plan.policy
        fresh = scoring.freshness(last, now, policy.freshness_months)
        stale = scoring.is_stale(last, now, policy.stale_months)
        out.append((pk, score, missing, fresh, last, stale, seen is not None, now))
    return out


def _read(customer_ids: Sequence[Any] | None) -> Iterable[list[tuple[Any, ...]]]:
    """The live customers' values, a chunk at a time, in key order."""
    base = Customer.objects.filter(deleted_at__isnull=True, erased_at__isnull=True).order_by("pk")
    if customer_ids is not None:
        base = base.filter(pk__in=list(customer_ids))
    base = base.annotate(
        # the later of the profile's update and the last interaction, worked out by the database
        last_activity=Greatest(
            "updated_at", Coalesce("figures__last_interaction_at", "updated_at")
        ),
        **{f"has_{c}": _has(c) for c in ENCRYPTED_CORE},
        raw_protected=Cast("protected", output_field=TextField()),
    )
    names = [*READ, *PLAIN_CORE, *(f"has_{c}" for c in ENCRYPTED_CORE), "raw_protected"]
    after = None
    while True:
        page = base if after is None else base.filter(pk__gt=after)
        chunk = list(page.values_list(*names)[:CHUNK])
        if not chunk:
            return
        yield chunk
        after = chunk[-1][0]
        if len(chunk) < CHUNK:
            return


def _upsert(rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        _upsert_postgresql(rows)
        return
    CustomerQuality.objects.bulk_create(
        [
            CustomerQuality(
                **dict(zip(COLUMNS, (*row[:2], json.loads(row[2]), *row[3:]), strict=True))
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["customer"],
        update_fields=[c for c in COLUMNS if c != "customer_id"],
    )


def _upsert_postgresql(rows: list[tuple[Any, ...]]) -> None:
    table = CustomerQuality._meta.db_table
    names = ", ".join(COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS if c != "customer_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS quality_incoming "
            f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        with cursor.cursor.copy(f"COPY quality_incoming ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {names} FROM quality_incoming "
            f"ON CONFLICT (customer_id) DO UPDATE SET {updates}"
        )
        cursor.execute("TRUNCATE quality_incoming")


#: ids per read when measuring a given list of customers (one ``IN`` list each)
MEASURE_IDS = 5000


def completeness_of(customer_ids: Sequence[Any]) -> dict[str, Any]:
    """How complete these customers are, worked out as the refresh does but nothing kept.

    ``{"customers": n, "completeness_sum": s, "missing": {field key: customers without it}}``
    over the live ones among them; read inside the caller's transaction (an import's batch,
    a dry run's included). No access check: for ids the caller just wrote.
    """
    found = policies()
    plans: dict[int, _Plan] = {}
    ids = list(dict.fromkeys(customer_ids))
    customers = total = 0
    patterns: dict[str, int] = {}
    now = timezone.now()
    for start in range(0, len(ids), MEASURE_IDS):
        for chunk in _read(ids[start : start + MEASURE_IDS]):
            for row in _rows(chunk, now, found, {}, plans):
                customers += 1
                total += row[1]
                patterns[row[2]] = patterns.get(row[2], 0) + 1
    missing: dict[str, int] = {}
    for keys, count in patterns.items():
        for key in json.loads(keys):
            missing[key] = missing.get(key, 0) + count
    return {"customers": customers, "completeness_sum": total, "missing": missing}


def completeness_of_filled(
    *, template_id: int, version_id: int, filled: Iterable[Iterable[str]]
) -> dict[str, Any]:
    """As :func:`completeness_of`, for customers about to be (or just) written whose filled
    field keys are known (one set each): no row is read back, nothing is decrypted."""
    plan = _plan(version_id, template_id, policies())
    customers = total = 0
    patterns: dict[str, int] = {}
    for keys in filled:
        held = set(keys)
        score, missing = plan.score(tuple(key in held for key, _i in plan.checks))
        customers += 1
        total += score
        patterns[missing] = patterns.get(missing, 0) + 1
    absent: dict[str, int] = {}
    for keys_json, count in patterns.items():
        for key in json.loads(keys_json):
            absent[key] = absent.get(key, 0) + count
    return {"customers": customers, "completeness_sum": total, "missing": absent}


def refresh_quality(
    *, customer_ids: Sequence[Any] | None = None, now: datetime | None = None
) -> Refreshed:
    """Work out the quality of these customers (all live ones when None) and keep it."""
    now = now or timezone.now()
    started = time.monotonic()
    found = policies()
    plans: dict[int, _Plan] = {}
    done = 0
    for chunk in _read(customer_ids):
        verified = last_verified([row[0] for row in chunk])
        rows = _rows(chunk, now, found, verified, plans)
        with transaction.atomic():
            _upsert(rows)
        done += len(rows)
    gone = CustomerQuality.objects.filter(
        Q(customer__deleted_at__isnull=False) | Q(customer__erased_at__isnull=False)
    )
    if customer_ids is not None:
        gone = gone.filter(customer_id__in=list(customer_ids))
    gone.delete()
    return Refreshed(done, round(time.monotonic() - started, 3))
