"""Creating, changing and deleting customer profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts import roles
from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.privacy.services import record_audit
from dossier.privacy.subjects import refuse_if_erased
from dossier.templates.fields import FieldError, FieldSpec, validate_rows, validate_values
from dossier.templates.models import Template, TemplateVersion

from .. import counts, search_index
from ..access import may, restrict, works_in
from ..models import Customer, CustomerLookup, CustomerShare, CustomerTag, Tag
from ..values import StoredValues, merge_changes, needs_lookup, split_values, stored_values


def _check_may_create(actor: User, template: Template) -> None:
    if not may(actor, "customers.add_customer"):
        raise PermissionDenied(_("You may not create customers."))
    if not works_in(actor, template.scenario):
        raise PermissionDenied(
            _("Your role does not work with customers of this template's scenario."),
            code="scenario_not_allowed",
        )


def _current_version(template: Template) -> TemplateVersion:
    if template.archived_at is not None or template.current_version_id is None:
        raise ValidationFailed(
            _("This template is archived or has no published version."),
            code="template_unavailable",
            errors=[
                FieldError("invalid_choice", field="template", label="template", value=template.key)
            ],
        )
    return TemplateVersion.objects.prefetch_related("fields").get(pk=template.current_version_id)


def _unique_errors(
    stored: StoredValues,
    specs: Sequence[FieldSpec],
    template: Template,
    exclude: Any = None,
    row: int | None = None,
) -> list[FieldError]:
    errors = []
    for spec in specs:
        digest = stored.lookups.get(spec.key)
        if not spec.unique or digest is None:
            continue
        taken = CustomerLookup.objects.filter(
            field=spec.key,
            digest=digest,
            customer__template=template,
            customer__deleted_at__isnull=True,
        )
        if exclude is not None:
            taken = taken.exclude(customer_id=exclude)
        if taken.exists():
            errors.append(FieldError("not_unique", spec=spec, row=row))
    return errors


def _write_lookups(customer: Customer, stored: StoredValues) -> None:
    CustomerLookup.objects.filter(customer=customer).delete()
    CustomerLookup.objects.bulk_create(
        CustomerLookup(customer=customer, field=key, digest=digest)
        for key, digest in stored.lookups.items()
    )


def _audit_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], specs: Sequence[FieldSpec]
) -> dict[str, Any]:
    """Changed fields; personal, sensitive and identifying values are named, never written down.

    (An identifying value such as a member number would otherwise outlive its erasure here.)
    """
    changes: dict[str, Any] = {}
    for spec in specs:
        old, new = before.get(spec.key), after.get(spec.key)
        if old == new:
            continue
        if spec.classification == "general" and not needs_lookup(spec):
            changes[spec.key] = {"before": old, "after": new}
        else:
            changes[spec.key] = {"changed": True}
    return changes


def _owner_team(owner: User | None) -> int | None:
    return team_id_of(owner) if owner is not None else None


@transaction.atomic
def create_customer(
    *,
    actor: User,
    template: Template,
    values: Mapping[str, Any],
    owner: User | None = None,
    tags: Sequence[int] = (),
) -> Customer:
    """Validate ``values`` against the template's current version and store a new customer.

    The owner defaults to the actor. Raises ValidationFailed listing every invalid field.
    """
    _check_may_create(actor, template)
    version = _current_version(template)
    specs = version.specs()
    result = validate_values(values, specs)
    stored = split_values(result.clean, specs) if result.ok else None
    errors = result.errors + (_unique_errors(stored, specs, template) if stored else [])
    if errors or stored is None:
        raise ValidationFailed(_("The customer could not be saved."), errors=errors)
    owner = owner or actor
    customer = Customer(template=template, template_version=version, owner=owner, created_by=actor)
    customer.team_id = _owner_team(owner)
    stored.apply_to(customer)
    customer.save(force_insert=True)
    _write_lookups(customer, stored)
    search_index.index_customers([customer])
    counts.template_added(template.pk, 1)
    if tags:
        _attach_tags(customer, tags, actor)
    record_audit(
        actor=actor,
        action="create",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes=_audit_changes({}, stored_values(customer, specs), specs),
    )
    return customer


def _attach_tags(customer: Customer, tag_ids: Sequence[int], actor: User) -> None:
    found = set(Tag.objects.filter(pk__in=tag_ids).values_list("pk", flat=True))
    missing = [t for t in tag_ids if t not in found]
    if missing:
        raise ValidationFailed(
            _("Unknown tag."),
            errors=[
                FieldError("invalid_choice", field="tags", label="tags", value=str(m))
                for m in missing
            ],
        )
    new = found - set(
        CustomerTag.objects.filter(customer=customer, tag_id__in=found).values_list(
            "tag_id", flat=True
        )
    )
    CustomerTag.objects.bulk_create(
        [CustomerTag(customer=customer, tag_id=t, added_by=actor) for t in sorted(new)],
        ignore_conflicts=True,
    )
    if customer.deleted_at is None:
        counts.tags_changed(added=new)


def replace_tags(
    customer: Customer, tag_ids: Sequence[int], actor: User
) -> tuple[list[str], list[str]]:
    """Make the customer's tags exactly ``tag_ids``; the tag names before and after."""
    before = sorted(customer.tags.values_list("name", flat=True))
    dropped = CustomerTag.objects.filter(customer=customer).exclude(tag_id__in=tag_ids)
    removed = list(dropped.values_list("tag_id", flat=True))
    dropped.delete()
    if customer.deleted_at is None:
        counts.tags_changed(removed=removed)
    _attach_tags(customer, list(dict.fromkeys(tag_ids)), actor)
    return before, sorted(customer.tags.values_list("name", flat=True))


@dataclass
class BatchResult:
    """What a batch write did: the customers created and each rejected row's errors."""

    created: list[Customer] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    @property
    def rejected_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors if e.row is not None})


@transaction.atomic
def create_customers(
    *, actor: User, template: Template, rows: Sequence[Mapping[str, Any]], owner: User | None = None
) -> BatchResult:
    """Create many customers in one transaction; invalid rows are reported and skipped.

    The same validation as :func:`create_customer`, row by row, plus uniqueness within the
    batch. Import builds on this.
    """
    _check_may_create(actor, template)
    version = _current_version(template)
    specs = version.specs()
    owner = owner or actor
    team_id = _owner_team(owner)
    result = BatchResult()
    pending: list[tuple[Customer, StoredValues]] = []
    seen: dict[tuple[str, str], int] = {}
    for row in validate_rows(rows, specs):
        if not row.ok:
            result.errors += row.errors
            continue
        stored = split_values(row.clean, specs)
        problems = _unique_errors(stored, specs, template, row=row.row)
        for spec in specs:
            digest = stored.lookups.get(spec.key)
            if spec.unique and digest is not None:
                if (spec.key, digest) in seen:
                    problems.append(FieldError("not_unique", spec=spec, row=row.row))
                seen[(spec.key, digest)] = row.row
        if problems:
            result.errors += problems
            continue
        customer = Customer(
            template=template,
            template_version=version,
            owner=owner,
            team_id=team_id,
            created_by=actor,
        )
        stored.apply_to(customer)
        pending.append((customer, stored))
    result.created = Customer.objects.bulk_create([c for c, _s in pending])
    CustomerLookup.objects.bulk_create(
        CustomerLookup(customer=c, field=k, digest=d)
        for c, s in pending
        for k, d in s.lookups.items()
    )
    search_index.index_customers(result.created)
    counts.template_added(template.pk, len(result.created))
    if result.created:
        record_audit(
            actor=actor,
            action="create",
            object_type="customer_batch",
            object_id=template.key,
            changes={"created": len(result.created), "rejected": len(result.rejected_rows)},
        )
    return result


def _get_for(actor: User, customer_id: Any, action: str) -> Customer:
    customer = (
        restrict(Customer.objects.select_for_update(), actor, action)
        .select_related("template", "template_version")
        .filter(pk=customer_id)
        .first()
    )
    if customer is None:
        if restrict(Customer.objects.all(), actor, "view").filter(pk=customer_id).exists():
            raise PermissionDenied(_("You may not change this customer."))
        raise NotFound(_("No such customer."), code="customer_not_found")
    return customer


def _check_version(customer: Customer, expected_version: int | None) -> None:
    if expected_version is not None and customer.version != expected_version:
        raise Conflict(
            _("Someone else changed this customer first. Reload it and apply your change again."),
            code="stale_version",
            extra={"current_version": customer.version},
        )


@transaction.atomic
def update_customer(
    *,
    actor: User,
    customer_id: Any,
    values: Mapping[str, Any],
    expected_version: int | None,
    tags: Sequence[int] | None = None,
    owner: User | None = None,
) -> Customer:
    """Change some of a customer's values (the rest stay), validated against its template version.

    ``expected_version`` is the version the caller read; a newer stored version is a conflict.
    ``tags`` (when given) become the customer's tags and ``owner`` its owner, in the same
    transaction: all of it is saved or none.
    """
    customer = _get_for(actor, customer_id, "change")
    _check_version(customer, expected_version)
    refuse_if_erased(customer.pk)
    specs = customer.template_version.specs()
    before = stored_values(customer, specs)
    result = validate_values(merge_changes(before, values, specs), specs, apply_defaults=False)
    stored = split_values(result.clean, specs) if result.ok else None
    errors = result.errors + (
        _unique_errors(stored, specs, customer.template, exclude=customer.pk) if stored else []
    )
    if errors or stored is None:
        raise ValidationFailed(_("The customer could not be saved."), errors=errors)
    stored.apply_to(customer)
    previous_owner = customer.owner.get_username() if customer.owner else None
    if owner is not None and owner.pk != customer.owner_id:
        customer.owner = owner
        customer.team_id = _owner_team(owner)
    customer.version += 1
    customer.save()
    _write_lookups(customer, stored)
    search_index.index_customers([customer])
    changes = _audit_changes(before, stored_values(customer, specs), specs)
    if owner is not None and owner.get_username() != previous_owner:
        changes["owner"] = {"before": previous_owner, "after": owner.get_username()}
    if tags is not None:
        tag_names = replace_tags(customer, tags, actor)
        if tag_names[0] != tag_names[1]:
            changes["tags"] = {"before": tag_names[0], "after": tag_names[1]}
    record_audit(
        actor=actor,
        action="update",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes=changes,
    )
    return customer


@transaction.atomic
def delete_customer(*, actor: User, customer_id: Any, expected_version: int | None = None) -> None:
    """Soft-delete a customer: hidden everywhere, restorable by an admin."""
    customer = _get_for(actor, customer_id, "delete")
    _check_version(customer, expected_version)
    customer.deleted_at = timezone.now()
    customer.version += 1
    customer.save(update_fields=["deleted_at", "version", "updated_at"])
    counts.customers_changed([customer.pk], -1)
    record_audit(
        actor=actor,
        action="delete",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
    )


@transaction.atomic
def restore_customer(*, actor: User, customer_id: Any) -> Customer:
    """Bring back a soft-deleted customer (needs the delete permission and an admin role)."""
    if not (actor.is_superuser or role_of_cached(actor) == roles.ADMIN):
        raise PermissionDenied(_("Only an administrator may restore customers."))
    customer = (
        Customer.objects.select_for_update()
        .filter(pk=customer_id, deleted_at__isnull=False)
        .first()
    )
    if customer is None:
        raise NotFound(_("No such deleted customer."), code="customer_not_found")
    # while it was deleted, another customer may have taken one of its unique values
    own = StoredValues(lookups=dict(customer.lookups.values_list("field", "digest")))
    clashes = _unique_errors(own, customer.template_version.specs(), customer.template, customer.pk)
    if clashes:
        raise ValidationFailed(_("The customer could not be saved."), errors=clashes)
    customer.deleted_at = None
    customer.version += 1
    customer.save(update_fields=["deleted_at", "version", "updated_at"])
    counts.customers_changed([customer.pk], 1)
    record_audit(
        actor=actor,
        action="restore",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
    )
    return customer


@transaction.atomic
def assign_owner(
    *, actor: User, customer_id: Any, owner: User, expected_version: int | None = None
) -> Customer:
    """Hand a customer to another owner (and their team)."""
    customer = _get_for(actor, customer_id, "change")
    _check_version(customer, expected_version)
    before = customer.owner.get_username() if customer.owner else None
    customer.owner = owner
    customer.team_id = _owner_team(owner)
    customer.version += 1
    customer.save(update_fields=["owner", "team", "version", "updated_at"])
    record_audit(
        actor=actor,
        action="update",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"owner": {"before": before, "after": owner.get_username()}},
    )
    return customer


@transaction.atomic
def share_customer(*, actor: User, customer_id: Any, user: User) -> None:
    """Let a colleague see and work on a customer too."""
    customer = _get_for(actor, customer_id, "change")
    CustomerShare.objects.get_or_create(customer=customer, user=user)
    record_audit(
        actor=actor,
        action="update",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"shared_with": user.get_username()},
    )
