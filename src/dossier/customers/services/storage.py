"""What every customer write shares: loading the customer to change, lookups, unique values.

Single writes, batches and profile migration all store lookups and check unique values here,
so the rule that a unique template field holds each value once has one home. The database
keeps it too (the partial unique index ``lookup_unique_value``): the check below gives users
a readable answer, the index holds under concurrency, and :func:`guard_unique_values` turns
the index's refusal into the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError, FieldSpec
from dossier.customers.access import customer_for
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.values import StoredValues
from dossier.templates.models import Template

#: digests per query when checking many values (well under every backend's parameter limit)
CHUNK = 5000

Pair = tuple[str, str]  # (field key, digest)


class UniqueValueTaken(Exception):
    """The database refused a unique value another customer took meanwhile."""

    def __init__(self, taken: Mapping[Pair, set[Any]]) -> None:
        super().__init__("unique value taken")
        self.taken = dict(taken)


def locked_customer(actor: User, customer_id: Any, action: str) -> Customer:
    """The customer the actor may ``action``, locked until the transaction ends.

    403 when the actor may only see it, 404 when not even that.
    """
    return customer_for(actor, customer_id, action, lock=True)


def unique_keys(specs: Iterable[FieldSpec]) -> set[str]:
    return {spec.key for spec in specs if spec.unique}


def taken_values(
    *, template: Template, wanted: Mapping[str, Collection[str]]
) -> dict[Pair, set[Any]]:
    """Which of the wanted values (digests by field) customers of the template hold, and who.

    One query per field (per CHUNK digests). Deleted customers hold nothing.
    """
    held: dict[Pair, set[Any]] = defaultdict(set)
    lookups, customers = CustomerLookup._meta, Customer._meta
    quote = connection.ops.quote_name
    to_id = customers.pk.to_python  # type: ignore[union-attr]
    # raw SQL: the ORM resolves each of thousands of digests of an IN list one by one
    sql = (
        f"SELECT l.digest, l.customer_id FROM {quote(lookups.db_table)} l "
        f"JOIN {quote(customers.db_table)} c ON c.id = l.customer_id "
        "WHERE l.template_id = %s AND l.field = %s AND c.deleted_at IS NULL AND l.digest IN ({})"
    )
    with connection.cursor() as cursor:
        for key, digests in wanted.items():
            distinct = sorted(set(digests))
            for start in range(0, len(distinct), CHUNK):
                chunk = distinct[start : start + CHUNK]
                cursor.execute(
                    sql.format(", ".join(["%s"] * len(chunk))), [template.pk, key, *chunk]
                )
                for digest, customer_id in cursor.fetchall():
                    held[(key, digest)].add(to_id(customer_id))
    return held


def held_by_others(held: Mapping[Pair, set[Any]], pair: Pair, customer_id: Any) -> bool:
    return bool(held.get(pair, set()) - {customer_id})


def unique_errors(
    stored: StoredValues,
    specs: Sequence[FieldSpec],
    template: Template,
    *,
    exclude: Any = None,
    fields: Collection[str] | None = None,
    row: int | None = None,
) -> list[FieldError]:
    """A ``not_unique`` error for each unique value (of ``fields``, or all) someone else holds."""
    wanted = {
        spec.key: [stored.lookups[spec.key]]
        for spec in specs
        if spec.unique and spec.key in stored.lookups and (fields is None or spec.key in fields)
    }
    if not wanted:
        return []
    held = taken_values(template=template, wanted=wanted)
    return [
        FieldError("not_unique", spec=spec, row=row)
        for spec in specs
        if spec.key in wanted and held_by_others(held, (spec.key, wanted[spec.key][0]), exclude)
    ]


def lookup_rows(
    customer: Customer,
    stored: StoredValues,
    specs: Sequence[FieldSpec],
    *,
    enforce: Collection[str] | None = None,
) -> list[CustomerLookup]:
    """The customer's lookup rows; unique fields' values go into the unique index.

    ``enforce`` (when given) names the unique fields whose value goes into the index; the
    others are a shared value from before the index existed, left out until it is fixed.
    """
    unique = unique_keys(specs)
    return [
        CustomerLookup(
            customer=customer,
            template_id=customer.template_id,
            field=key,
            digest=digest,
            unique=key in unique and (enforce is None or key in enforce),
        )
        # exact values and partial ones (a phone's last four digits)
        for key, digest in stored.lookup_rows().items()
    ]


@contextmanager
def guard_unique_values(
    *, template: Template, pairs: Iterable[Pair], exclude: Collection[Any] = ()
) -> Iterator[None]:
    """Run the writes inside in a savepoint; a unique value taken meanwhile raises UniqueValueTaken.

    The check before the write cannot see a transaction that commits after it; the index
    can. Any other integrity error is raised unchanged.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        wanted: dict[str, set[str]] = defaultdict(set)
        for key, digest in pairs:
            wanted[key].add(digest)
        held = taken_values(template=template, wanted=wanted)
        taken = {pair: ids - set(exclude) for pair, ids in held.items() if ids - set(exclude)}
        if not taken:
            raise
        raise UniqueValueTaken(taken) from None


def write_lookups(
    customer: Customer,
    stored: StoredValues,
    specs: Sequence[FieldSpec],
    *,
    enforce: Collection[str] | None = None,
    row: int | None = None,
) -> None:
    """Replace the customer's lookups; 422 naming the field of a unique value taken meanwhile."""
    rows = lookup_rows(customer, stored, specs, enforce=enforce)
    try:
        with guard_unique_values(
            template=customer.template,
            pairs=[(r.field, r.digest) for r in rows if r.unique],
            exclude={customer.pk},
        ):
            CustomerLookup.objects.filter(customer=customer).delete()
            CustomerLookup.objects.bulk_create(rows)
    except UniqueValueTaken as clash:
        raise ValidationFailed(
            _("The customer could not be saved."), errors=taken_errors(clash, specs, row=row)
        ) from None


def taken_errors(
    clash: UniqueValueTaken, specs: Sequence[FieldSpec], *, row: int | None = None
) -> list[FieldError]:
    keys = {key for key, _digest in clash.taken}
    return [FieldError("not_unique", spec=spec, row=row) for spec in specs if spec.key in keys]


def release_unique_values(customer: Customer) -> None:
    """Take a (soft-deleted) customer's values out of the unique index, for others to use."""
    CustomerLookup.objects.filter(customer=customer, unique=True).update(unique=False)


def claim_unique_values(customer: Customer, specs: Sequence[FieldSpec]) -> None:
    """Put a (restored) customer's unique values back into the index; 422 if one was taken."""
    own = CustomerLookup.objects.filter(customer=customer, field__in=unique_keys(specs))
    try:
        with guard_unique_values(
            template=customer.template,
            pairs=list(own.values_list("field", "digest")),
            exclude={customer.pk},
        ):
            own.update(unique=True)
    except UniqueValueTaken as clash:
        raise ValidationFailed(
            _("The customer could not be saved."), errors=taken_errors(clash, specs)
        ) from None


def own_lookups(customer_ids: Collection[Any]) -> dict[Any, dict[str, tuple[str, bool]]]:
    """Each customer's stored lookups: field → (digest, in the unique index)."""
    found: dict[Any, dict[str, tuple[str, bool]]] = defaultdict(dict)
    rows = CustomerLookup.objects.filter(customer_id__in=list(customer_ids)).values_list(
        "customer_id", "field", "digest", "unique"
    )
    for customer_id, key, digest, unique in rows:
        found[customer_id][key] = (digest, unique)
    return found


def unique_plan(
    stored: StoredValues,
    specs: Sequence[FieldSpec],
    current: Mapping[str, tuple[str, bool]],
) -> tuple[set[str], set[str]]:
    """For an edit: the unique fields whose value changed, and those left out of the index.

    A changed value must be free; an unchanged value left out of the index (shared before
    the index existed) is checked again and goes into the index once nobody else holds it.
    """
    changed, left_out = set(), set()
    for key in unique_keys(specs):
        digest = stored.lookups.get(key)
        if digest is None:
            continue
        before = current.get(key)
        if before is None or before[0] != digest:
            changed.add(key)
        elif not before[1]:
            left_out.add(key)
    return changed, left_out
