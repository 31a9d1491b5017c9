"""Erasure: a customer's personal data anonymised in place, so counts and sums still add up.

An erased customer keeps its row, its template, tags, owner and every *general* value
(points, total spent, level, city …), so aggregates over customers are unchanged. Gone are:
the name (replaced by "已注销客户 <short id>"), every personal and sensitive value (core
columns and template attributes), general values that identify someone on their own (unique
or identifying fields such as a membership number), the blind-index lookups, the search
text and the self-service link. A :class:`CustomerTombstone` records when, why and which
fields (by name only).

Why the customer model is written directly instead of through ``update_customer``: the
validator would refuse the result (a template may require the phone that erasure blanks),
and erasure must succeed whatever the template says. The write stays in one transaction on
rows locked by the caller, and ``version`` is incremented so a form opened before the
erasure cannot write the old values back.

One erasure request and a retention batch of a thousand customers go through the same
:func:`anonymise_customers`, whose every step works on the whole batch: one UPDATE of the
customer rows, one statement per registered table, one insert each of tombstones, audit
events and outbox events. So a retention run stores for each customer exactly what an
erasure request would, at the cost of a constant number of statements per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from django.db import transaction
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit_batch, without
from dossier.core.actors import Actor, person
from dossier.core.bulk_insert import insert_rows
from dossier.core.bulk_update import update_rows
from dossier.core.errors import Conflict
from dossier.core.fields import FieldSpec
from dossier.customers import counts, search_index
from dossier.customers.models import Customer
from dossier.customers.registry import erase_rows
from dossier.customers.values import needs_lookup, personal_strings, stored_values
from dossier.outbox.services import publish_batch
from dossier.privacy.models import (
    CustomerTombstone,
    ProcessingRestriction,
    RetentionRun,
    SubjectRequest,
)
from dossier.privacy.subjects import ERASE, complete_answered, named_request, subject_customer
from dossier.templates.core_fields import CORE_KEYS, NULLABLE_COLUMNS
from dossier.templates.selectors import version_info

ERASED_NAME = "已注销客户 {short}"
_TOMBSTONE_COLUMNS = (
    "customer_id",
    "erased_at",
    "erased_by_id",
    "request_id",
    "cause",
    "mode",
    "fields",
    "retention_run_id",
)
_WRITTEN = [
    "display_name",
    "birthday",
    "phone",
    "email",
    "address",
    "attributes",
    "protected",
    "search_text",
    "sort_name",
    "erased_at",
    "version",
    "updated_at",
]


def erased_name(customer_id: Any) -> str:
    """The name an erased customer is shown under (the last 8 hex digits of its id)."""
    return ERASED_NAME.format(short=str(customer_id).replace("-", "")[-8:])


def kept_keys(specs: Sequence[FieldSpec]) -> set[str]:
    """Field keys whose values survive erasure: general ones that identify no one alone."""
    return {
        spec.key
        for spec in specs
        if spec.classification == "general"
        and not needs_lookup(spec)
        and spec.key != "display_name"
    }


#: kept keys by the specs they were worked out from (a published version's specs never change)
_KEPT: dict[int, tuple[Sequence[FieldSpec], set[str]]] = {}


def _kept_for(version_id: int, specs: Sequence[FieldSpec]) -> set[str]:
    """:func:`kept_keys` once per template version, not once per customer of a batch."""
    known = _KEPT.get(version_id)
    if known is None or known[0] is not specs:
        known = _KEPT[version_id] = (specs, kept_keys(specs))
    return known[1]


def _has_value(value: Any) -> bool:
    return value not in (None, "", [], {})


def _anonymise_row(customer: Customer, now: datetime) -> list[str]:
    """Clear one customer in memory; returns the keys of the fields that held a value."""
    specs = version_info(customer.template_version_id).specs
    kept = _kept_for(customer.template_version_id, specs)
    before = stored_values(customer, specs)
    cleared = {key for key, value in before.items() if key not in kept and _has_value(value)}
    # attributes left over from an older template version: not known to be general
    cleared |= {key for key in customer.attributes if key not in kept}
    cleared |= set(customer.protected or {})
    for spec in specs:
        if spec.key in CORE_KEYS and spec.key not in kept and spec.key != "display_name":
            setattr(customer, spec.key, None if spec.key in NULLABLE_COLUMNS else "")
    customer.display_name = erased_name(customer.pk)
    customer.attributes = {k: v for k, v in customer.attributes.items() if k in kept}
    customer.protected = cast(Any, {})  # an EncryptedJSONField holds a dict
    customer.search_text = ""
    customer.sort_name = ""
    customer.erased_at = now
    customer.version += 1
    customer.updated_at = now
    return sorted(cleared)


def anonymise_customers(
    customers: Sequence[Customer],
    *,
    actor: Actor,
    cause: str,
    reason: str,
    request: SubjectRequest | None = None,
    run: RetentionRun | None = None,
) -> list[CustomerTombstone]:
    """Anonymise customer rows the caller has locked, in the caller's transaction.

    Each gets a tombstone and a "delete" audit event that names the cleared fields only.
    One erasure request and a retention batch of a thousand take the same steps, each a
    constant number of statements for the whole batch (``run``: the retention run doing it).
    """
    if not customers:
        return []
    now = timezone.now()
    user = person(actor)
    ids = [c.pk for c in customers]
    # erased customers leave the list, and the tag counts of those who see only their own
    counts.customers_erased(ids)
    _forget_in_reasons(customers)  # reads the values, so before they are cleared
    tombstones = [
        CustomerTombstone(
            customer_id=customer.pk,
            erased_at=now,
            erased_by=user,
            request=request,
            cause=cause,
            mode=CustomerTombstone.Mode.ANONYMISED,
            fields=_anonymise_row(customer, now),
            retention_run=run,
        )
        for customer in customers
    ]
    update_rows(Customer, _WRITTEN, customers)
    search_index.index_customers(customers)
    erase_rows(ids)  # every registered table: lookups, self-service links, …
    _write_tombstones(tombstones)
    _audit_erasures(tombstones, actor=actor, reason=reason, name_fields=True)
    # receivers (webhooks) learn that the record changed, never what it held
    publish_batch(
        actor=actor,
        events=[
            {
                "name": "customer.updated",
                "customer_id": pk,
                "object_type": "customer",
                "object_id": pk,
                "data": {"changed": ["erased"]},
            }
            for pk in ids
        ],
    )
    return tombstones


def _write_tombstones(tombstones: Sequence[CustomerTombstone]) -> None:
    """Insert the tombstones of a batch in one statement (COPY on PostgreSQL)."""
    insert_rows(
        CustomerTombstone,
        _TOMBSTONE_COLUMNS,
        (
            (
                t.customer_id,
                t.erased_at,
                t.erased_by_id,
                t.request_id,
                t.cause,
                t.mode,
                t.fields,
                t.retention_run_id,
            )
            for t in tombstones
        ),
    )


def _forget_in_reasons(customers: Sequence[Customer]) -> None:
    """Blank the customers' personal values where staff typed them into a reason.

    One query per table for the whole batch; a customer's values are worked out only when
    a reason of theirs is there to clean.
    """
    by_id = {c.pk: c for c in customers}
    forget: dict[Any, list[str]] = {}
    sources: list[tuple[Any, str]] = [
        (SubjectRequest, "refusal_reason"),
        (ProcessingRestriction, "reason"),
    ]
    for model, column in sources:
        rows = (
            model.objects.filter(customer_id__in=list(by_id))
            .exclude(**{column: ""})
            .only("pk", "customer_id", column)
        )
        changed = []
        for row in rows:
            if row.customer_id not in forget:
                customer = by_id[row.customer_id]
                specs = version_info(customer.template_version_id).specs
                forget[row.customer_id] = personal_strings(customer, specs)
            text = getattr(row, column)
            cleaned = without(text, forget[row.customer_id])
            if cleaned != text:
                setattr(row, column, cleaned)
                changed.append(row)
        if changed:
            model.objects.bulk_update(changed, [column])


def _audit_erasures(
    tombstones: Sequence[CustomerTombstone], *, actor: Actor, reason: str, name_fields: bool
) -> None:
    # one "delete" event per customer, in one insert; the erased fields are named, never
    # their values
    events = []
    for tombstone in tombstones:
        changes: dict[str, Any] = {"mode": tombstone.mode}
        if name_fields:
            changes = {"erased": tombstone.fields, **changes}
        events.append(
            {
                "action": "delete",
                "object_type": "customer",
                "object_id": tombstone.customer_id,
                "customer_id": tombstone.customer_id,
                "changes": changes,
                "reason": reason,
            }
        )
    record_audit_batch(actor=actor, events=events)


def delete_customers(
    customers: Sequence[Customer], *, actor: Actor, reason: str, run: RetentionRun | None = None
) -> tuple[list[CustomerTombstone], list[Customer]]:
    """Delete customer rows for good where nothing refuses it (consent evidence does).

    Returns the tombstones of the deleted and the customers that could not be deleted, which
    the caller anonymises instead. Audit events stay: they hold the id, never the values.
    """
    now = timezone.now()
    user = person(actor)
    remaining = {c.pk: c for c in customers}
    blocked: dict[Any, Customer] = {}
    for _attempt in range(3):
        if not remaining:
            break
        try:
            with transaction.atomic():
                doomed = Customer.objects.filter(pk__in=list(remaining))
                counts.customers_changed(
                    doomed.filter(deleted_at__isnull=True).values_list("pk", flat=True), -1
                )
                search_index.forget(remaining)
                doomed.delete()
            break
        except (ProtectedError, RestrictedError) as error:
            objects = (
                error.protected_objects
                if isinstance(error, ProtectedError)
                else error.restricted_objects
            )
            refused: set[Any] = {getattr(o, "customer_id", None) for o in objects}
            refused &= set(remaining)
            if not refused:  # cannot tell which: keep them all rather than guess
                blocked.update(remaining)
                remaining = {}
                break
            for pk in refused:
                blocked[pk] = remaining.pop(pk)
    else:
        blocked.update(remaining)
        remaining = {}
    tombstones = [
        CustomerTombstone(
            customer_id=pk,
            erased_at=now,
            erased_by=user,
            cause=CustomerTombstone.Cause.RETENTION,
            mode=CustomerTombstone.Mode.DELETED,
            retention_run=run,
        )
        for pk in remaining
    ]
    erase_rows(list(remaining))  # tables without a foreign key to the deleted rows
    _write_tombstones(tombstones)
    _audit_erasures(tombstones, actor=actor, reason=reason, name_fields=False)
    return tombstones, list(blocked.values())


@transaction.atomic
def erase_customer(*, actor: Actor, customer_id: Any, request_id: Any = None) -> CustomerTombstone:
    """Erase a customer's personal data at their request (anonymised in place, audited).

    Needs ``privacy.erase_customer`` and the right to delete the customer. With
    ``request_id`` the deletion request is completed in the same transaction.
    """
    customer = subject_customer(
        actor, customer_id, permission=ERASE, action="delete", for_update=True
    )
    if CustomerTombstone.objects.filter(customer_id=customer.pk).exists():
        raise Conflict(_("This customer's personal data has already been erased."), code="erased")
    request = named_request(
        actor, request_id, customer_id=customer.pk, kind=SubjectRequest.Kind.DELETION
    )
    [tombstone] = anonymise_customers(
        [customer],
        actor=actor,
        cause=CustomerTombstone.Cause.REQUEST,
        reason="data subject erasure request",
        request=request,
    )
    complete_answered(
        request,
        actor=actor,
        outcome={"erased": tombstone.fields},
        reason="data subject erasure request",
    )
    return tombstone
