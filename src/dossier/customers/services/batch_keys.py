"""How a batch row names the customer it changes: by id, or by identifying values.

An import says "match on phone, e-mail, 身份证": a row names the one customer that any of
its values points to. Values are compared by their blind index, so plaintext is never
looked up. A row whose values point to two customers, or whose value several customers
share, names nobody for certain and is reported rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec, validate_values
from dossier.core.fields.base import is_empty
from dossier.customers.access import restrict
from dossier.customers.models import Customer
from dossier.customers.services.storage import taken_values
from dossier.customers.values import needs_lookup
from dossier.protection.disclosure import lookup_digest
from dossier.templates.models import Template

ID_FIELD = FieldLabel("id", "客户编号", "Customer id")


@dataclass
class RowKeys:
    """One row's number, its values (without ``id``) and what it names a customer by."""

    number: int
    values: dict[str, Any]
    #: a customer id, or (field key, digest) pairs of the row's identifying values
    customer_id: UUID | None = None
    pairs: tuple[tuple[str, str], ...] = ()

    @property
    def names_someone(self) -> bool:
        return self.customer_id is not None or bool(self.pairs)


def key_specs(match_on: str | Sequence[str], specs: Sequence[FieldSpec]) -> list[FieldSpec]:
    """The fields rows are matched on: [] for ``id``; else fields with a blind index.

    Unique fields and identifying ones (phone, e-mail, ID numbers) have a blind index;
    a name or a free-text field has none and cannot be matched on.
    """
    wanted = [match_on] if isinstance(match_on, str) else list(match_on)
    wanted = [key.strip() for key in wanted if key.strip()]
    if wanted == ["id"]:
        return []
    by_key = {spec.key: spec for spec in specs}
    found = []
    for key in wanted:
        spec = by_key.get(key)
        if spec is None or not needs_lookup(spec):
            raise ValidationFailed(
                _("Customers are matched on their id or on identifying or unique fields."),
                errors=[
                    FieldError("invalid_choice", field="match_on", label="match_on", value=key)
                ],
            )
        found.append(spec)
    return found


def row_keys(
    rows: Sequence[Mapping[str, Any]], keys: Sequence[FieldSpec], errors: list[FieldError]
) -> list[RowKeys]:
    """Each row with what it names a customer by; a row whose key is invalid is reported."""
    keyed: list[RowKeys] = []
    for number, raw in enumerate(rows, start=1):
        values = dict(raw)
        if not keys:
            raw_id = values.pop("id", None)
            if is_empty(raw_id):
                keyed.append(RowKeys(number, values))
                continue
            try:
                keyed.append(RowKeys(number, values, customer_id=UUID(str(raw_id))))
            except ValueError:
                errors.append(
                    FieldError(
                        "unknown_customer", spec=ID_FIELD, row=number, value=str(raw_id)[:64]
                    )
                )
            continue
        given = {spec.key: values[spec.key] for spec in keys if not is_empty(values.get(spec.key))}
        if not given:
            keyed.append(RowKeys(number, values))
            continue
        check = validate_values(
            given, [s for s in keys if s.key in given], apply_defaults=False, row=number
        )
        if check.errors:
            errors += check.errors
            continue
        pairs = tuple(
            (spec.key, lookup_digest(spec.type, check.clean[spec.key]))
            for spec in keys
            if spec.key in given
        )
        keyed.append(RowKeys(number, values, pairs=pairs))
    return keyed


def matched_customers(
    actor: User, template: Template, keyed: Sequence[RowKeys]
) -> tuple[dict[Any, Customer], dict[Any, set[Any]]]:
    """The customers the rows name that the actor may change (locked), and each key's holders.

    Holders are keyed by customer id or by (field, digest) pair.
    """
    ids = {row.customer_id for row in keyed if row.customer_id is not None}
    holders: dict[Any, set[Any]] = {key: {key} for key in ids}
    wanted: dict[str, set[str]] = {}
    for row in keyed:
        for key, digest in row.pairs:
            wanted.setdefault(key, set()).add(digest)
    if wanted:
        holders.update(taken_values(template=template, wanted=wanted))
    everyone = set().union(*holders.values()) if holders else set()
    if not everyone:
        return {}, holders
    customers = restrict(Customer.objects.select_for_update(), actor, "change").filter(
        template=template, pk__in=list(everyone)
    )
    return {c.pk: c for c in customers}, holders


def named_by(row: RowKeys, holders: Mapping[Any, set[Any]]) -> set[Any]:
    """Every customer (id) the row's keys point to, whether or not the actor may change it."""
    if row.customer_id is not None:
        return set(holders.get(row.customer_id, ()))
    named: set[Any] = set()
    for pair in row.pairs:
        named |= holders.get(pair, set())
    return named


def key_label(row: RowKeys, specs: Sequence[FieldSpec]) -> FieldSpec | FieldLabel:
    """The field an error about the row's match is reported on: its first key, or ``id``."""
    if row.pairs:
        first = row.pairs[0][0]
        return next((s for s in specs if s.key == first), ID_FIELD)
    return ID_FIELD
