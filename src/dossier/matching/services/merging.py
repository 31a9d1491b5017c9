"""Merging customers into one survivor, and undoing a merge exactly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.figures import refresh_figures
from dossier.audit.services import record_audit
from dossier.core.errors import Conflict, NotFound, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers import counts, search_index
from dossier.customers.access import customer_for
from dossier.customers.models import Customer, CustomerLookup, CustomerTag
from dossier.customers.registry import repoint_customer_data
from dossier.customers.services import update_customer
from dossier.customers.services.storage import release_unique_values
from dossier.matching.models import DuplicateGroup, DuplicateMember, Merge, MergeSnapshot
from dossier.matching.snapshots import (
    CUSTOMER,
    customer_rows,
    digests,
    kept_tables,
    restore_table,
    unchanged,
)
from dossier.matching.survivorship import RULES, choose_values, most_complete, values_of
from dossier.outbox.services import publish_many

MAX_MERGED = 50


def _refuse(message: str, field: str, code: str, **params: Any) -> ValidationFailed:
    return ValidationFailed(message, errors=[FieldError(code, field=field, label=field, **params)])


def _locked(actor: User, customer_ids: Sequence[Any], *, deleted: bool = False) -> list[Customer]:
    # every record needs the actor's edit right; key order so two merges cannot deadlock
    ordered = sorted({str(pk) for pk in customer_ids})
    found = [
        customer_for(actor, pk, "change", lock=True, include_deleted=deleted) for pk in ordered
    ]
    for customer in found:
        if customer.erased_at is not None:
            raise Conflict(
                _("Customer %(id)s was erased.") % {"id": customer.pk}, code="customer_erased"
            )
    return found


@transaction.atomic
def merge_customers(
    *,
    actor: User,
    customer_ids: Sequence[Any],
    survivor_id: Any | None = None,
    rule: str = "complete",
    picks: Mapping[str, Any] | None = None,
) -> Merge:
    """Merge customers into one survivor; the others' rows move to it and they are retired.

    ``picks`` (field key → customer id) chooses a field's surviving value by hand; other fields
    follow ``rule``. Every record needs the actor's edit right. The survivor's new values are
    validated by its template like any edit. The merge keeps every touched row as it was, so
    :func:`undo_merge` can restore the customers and their rows exactly.
    """
    ids = list(dict.fromkeys(str(pk) for pk in customer_ids))
    if len(ids) < 2:
        raise _refuse(
            _("A merge needs at least two customers."), "customers", "too_few_items", min=2
        )
    if len(ids) > MAX_MERGED:
        raise _refuse(
            _("Merge at most %(max)s customers at once.") % {"max": MAX_MERGED},
            "customers",
            "too_many_items",
            max=MAX_MERGED,
        )
    if rule not in RULES:
        raise _refuse(_("Unknown survivorship rule."), "rule", "invalid_choice", value=rule)
    customers = _locked(actor, ids)
    by_id = {str(c.pk): c for c in customers}
    if survivor_id is not None and str(survivor_id) not in by_id:
        raise _refuse(_("The survivor must be one of the merged customers."), "survivor", "invalid")
    survivor = by_id[str(survivor_id)] if survivor_id is not None else most_complete(customers)
    _check_picks(picks or {}, survivor, by_id)
    merged = [c for c in customers if c.pk != survivor.pk]
    chosen = choose_values(customers, survivor, rule=rule, picks=picks)
    new_values = _new_values(survivor, chosen, by_id)

    before = customer_rows([c.pk for c in customers])
    tags_before = set(
        CustomerTag.objects.filter(customer=survivor).values_list("tag_id", flat=True)
    )
    counts.customers_changed([c.pk for c in merged], -1)
    now = timezone.now()
    for customer in merged:
        customer.deleted_at = now
        customer.version += 1
        customer.save(update_fields=["deleted_at", "version", "updated_at"])
        release_unique_values(customer)
        repoint_customer_data(customer.pk, survivor.pk)
    gained = set(CustomerTag.objects.filter(customer=survivor).values_list("tag_id", flat=True))
    counts.tags_changed(added=[(survivor, tag) for tag in gained - tags_before])
    if new_values:
        survivor = update_customer(
            actor=actor,
            customer_id=survivor.pk,
            values=new_values,
            expected_version=survivor.version,
        )
    refresh_figures([survivor.pk])
    search_index.index_customers([survivor, *merged])

    merge = Merge.objects.create(
        survivor_id=survivor.pk,
        merged_ids=[str(c.pk) for c in merged],
        actor=actor,
        rule="manual" if picks else rule,
        choices=chosen,
        after_digests=digests(customer_rows([c.pk for c in customers])),
    )
    MergeSnapshot.objects.bulk_create(
        MergeSnapshot(merge=merge, customer_id=pk, survivor=pk == survivor.pk, rows=cast(Any, rows))
        for pk, rows in before.items()
    )
    _close_groups(actor, {str(c.pk) for c in customers}, merge)
    _announce_merge(actor, merge)
    for customer in customers:
        record_audit(
            actor=actor,
            action="merge",
            object_type="merge",
            object_id=merge.pk,
            customer_id=customer.pk,
            changes={
                "survivor": str(survivor.pk),
                "merged": merge.merged_ids,
                "fields_from_others": sorted(k for k, v in chosen.items() if v != str(survivor.pk)),
            },
        )
    return merge


def _announce_merge(actor: User, merge: Merge) -> None:
    """Tell webhook receivers: each merged customer is gone into the survivor, which changed.

    Receivers that mirror customers would otherwise keep the retired records for ever.
    """
    survivor = str(merge.survivor_id)
    gone = {"merged_into": survivor, "merge": merge.pk}
    publish_many(
        actor=actor,
        events=[
            *(_customer_event("customer.deleted", pk, gone) for pk in merge.merged_ids),
            _customer_event(
                "customer.updated", survivor, {"changed": ["merged"], "merge": merge.pk}
            ),
        ],
    )


def _customer_event(name: str, customer_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "customer_id": customer_id,
        "object_type": "customer",
        "object_id": customer_id,
        "data": data,
    }


def _check_picks(picks: Mapping[str, Any], survivor: Customer, by_id: dict[str, Customer]) -> None:
    keys = {spec.key for spec in survivor.template_version.specs()}
    errors = []
    for key, customer_id in picks.items():
        if key not in keys:
            errors.append(FieldError("unknown_field", field=key, label=key))
        elif str(customer_id) not in by_id:
            errors.append(FieldError("invalid", field=key, label=key, value=str(customer_id)))
    if errors:
        raise ValidationFailed(_("The surviving values could not be chosen."), errors=errors)


def _new_values(
    survivor: Customer, chosen: Mapping[str, str], by_id: dict[str, Customer]
) -> dict[str, Any]:
    own = values_of(survivor)
    others = {pk: values_of(c) for pk, c in by_id.items() if pk != str(survivor.pk)}
    changes = {}
    for key, source in chosen.items():
        if source == str(survivor.pk):
            continue
        value = others[source].get(key)
        if value != own.get(key):
            changes[key] = value
    return changes


def _close_groups(actor: User, merged: set[str], merge: Merge) -> None:
    touched = DuplicateGroup.objects.filter(
        status=DuplicateGroup.OPEN,
        id__in=DuplicateMember.objects.filter(customer_id__in=merged).values("group_id"),
    )
    for group in touched:
        members = {str(m) for m in group.members.values_list("customer_id", flat=True)}
        if members <= merged:
            group.status = DuplicateGroup.MERGED
            group.merge = merge
            group.reviewed_by = actor
            group.reviewed_at = timezone.now()
            group.save(update_fields=["status", "merge", "reviewed_by", "reviewed_at"])


@transaction.atomic
def undo_merge(*, actor: User, merge_id: int) -> Merge:
    """Restore the merged customers and every row the merge moved or changed, exactly.

    Refused (409, naming the customer and what changed) once any of those rows changed after
    the merge: an un-merge would otherwise throw that work away. Refused too once a merged
    customer was erased (its before-state went with it).
    """
    merge = Merge.objects.select_for_update().filter(pk=merge_id).first()
    if merge is None:
        raise NotFound(_("No such merge."), code="merge_not_found")
    if merge.undone_at is not None:
        raise Conflict(_("This merge was already undone."), code="merge_undone")
    ids = [str(merge.survivor_id), *merge.merged_ids]
    # the survivor decides the answer to who may not (403 when seen, 404 when not)
    customer_for(actor, merge.survivor_id, "change", include_deleted=True)
    customers = _locked(actor, ids, deleted=True)
    snapshots: dict[str, dict[str, list[dict[str, Any]]]] = {
        str(s.customer_id): cast(dict[str, Any], s.rows) for s in merge.snapshots.all()
    }
    if set(snapshots) != set(ids):
        raise Conflict(
            _("A merged customer's data was erased; the merge cannot be undone."),
            code="merge_snapshot_gone",
        )
    _check_unchanged(merge, ids)
    survivor = next(c for c in customers if str(c.pk) == str(merge.survivor_id))
    wanted_tags = {row["tag_id"] for row in snapshots[str(survivor.pk)][CustomerTag._meta.label]}
    held = set(CustomerTag.objects.filter(customer=survivor).values_list("tag_id", flat=True))
    counts.tags_changed(removed=[(survivor, tag) for tag in held - wanted_tags])
    for entry in kept_tables():
        label = entry.model._meta.label
        rows = [row for pk in ids for row in snapshots[pk].get(label, [])]
        restore_table(
            entry.model, entry.customer_field, ids, rows, replace=entry.model is CustomerLookup
        )
    restore_table(Customer, "id", ids, [row for pk in ids for row in snapshots[pk][CUSTOMER]])
    counts.customers_changed(merge.merged_ids, 1)
    search_index.index_customers(Customer.objects.filter(pk__in=ids))
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    # the before-state did its work; keeping a copy of personal data longer serves nothing
    merge.snapshots.all().delete()
    # undoing says these were not one customer: the scan does not propose them again
    merge.groups.update(status=DuplicateGroup.DISMISSED, reviewed_by=actor)
    publish_many(
        actor=actor,
        events=[
            _customer_event(
                "customer.updated",
                pk,
                {"changed": ["unmerged" if pk == str(merge.survivor_id) else "restored"]}
                | {"merge": merge.pk},
            )
            for pk in ids
        ],
    )
    for pk in ids:
        record_audit(
            actor=actor,
            action="unmerge",
            object_type="merge",
            object_id=merge.pk,
            customer_id=pk,
            changes={"survivor": str(merge.survivor_id), "restored": merge.merged_ids},
        )
    return merge


def _check_unchanged(merge: Merge, ids: Sequence[str]) -> None:
    now = customer_rows(ids)
    for pk in ids:
        for label, rows in now.get(pk, {}).items():
            if not unchanged(merge.after_digests.get(pk, {}).get(label), rows):
                raise Conflict(
                    _(
                        "Customer %(id)s changed after the merge (%(table)s); undoing the merge "
                        "would lose that change."
                    )
                    % {"id": pk, "table": label},
                    code="merge_changed_since",
                    extra={"customer": pk, "table": label},
                )
