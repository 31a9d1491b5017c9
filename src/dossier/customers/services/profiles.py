"""Creating, changing and deleting customer profiles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.audit.services import record_audit
from dossier.core import roles
from dossier.core.actors import Actor
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec, validate_values
from dossier.customers import counts, search_index
from dossier.customers.access import may, restrict_deleted, works_in
from dossier.customers.duplicates import check_changed_customer, check_new_customer
from dossier.customers.models import Customer, CustomerShare, CustomerTag, Tag
from dossier.customers.services.storage import (
    claim_unique_values,
    locked_customer,
    own_lookups,
    release_unique_values,
    unique_errors,
    unique_plan,
    write_lookups,
)
from dossier.customers.values import (
    StoredValues,
    audit_shows_value,
    merge_changes,
    split_values,
    stored_values,
)
from dossier.outbox.services import publish
from dossier.templates.models import Template, TemplateVersion

#: the owner, as the field of the errors that concern it
OWNER_FIELD = FieldLabel("owner", "负责人", "Owner")
SHARED_WITH = FieldLabel("user", "共享给", "Shared with")


def check_may_create(actor: User, template: Template | None = None) -> None:
    """403 unless the actor may create customers (on templates of this scenario).

    Pages call it before showing a form, without a template, so nobody sees a form they
    could not send.
    """
    if not may(actor, "customers.add_customer"):
        raise PermissionDenied(_("You may not create customers."))
    if template is not None and not works_in(actor, template.scenario):
        raise PermissionDenied(
            _("Your role does not work with customers of this template's scenario."),
            code="scenario_not_allowed",
        )


def check_owner(*, actor: User, owner: User, template: Template) -> None:
    """Whether ``actor`` may make ``owner`` the owner of a customer on ``template``.

    Admins may give customers to anyone, managers to members of their own team; everyone
    else only to themselves (403). The owner must be active, in a role that sees customers
    (an owner who could not see the customer would hold it for nobody) and works with the
    template's scenario (422 on ``owner``).
    """
    if owner.pk != actor.pk and not actor.is_superuser:
        role = role_of_cached(actor)
        same_team = team_id_of(actor) is not None and team_id_of(owner) == team_id_of(actor)
        if not (role == roles.ADMIN or (role == roles.MANAGER and same_team)):
            raise PermissionDenied(
                _("You may not give customers to this user."), code="owner_not_allowed"
            )
    if not (
        owner.is_active
        and owner.has_perm("customers.view_customer")
        and works_in(owner, template.scenario)
    ):
        raise ValidationFailed(
            _("The customer could not be saved."),
            errors=[FieldError("owner_not_eligible", spec=OWNER_FIELD, value=owner.get_username())],
        )


def current_version(template: Template) -> TemplateVersion:
    """The template's published version with its fields; 422 if archived or unpublished."""
    if template.archived_at is not None or template.current_version_id is None:
        raise ValidationFailed(
            _("This template is archived or has no published version."),
            code="template_unavailable",
            errors=[
                FieldError("invalid_choice", field="template", label="template", value=template.key)
            ],
        )
    return TemplateVersion.objects.prefetch_related("fields").get(pk=template.current_version_id)


def audit_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], specs: Sequence[FieldSpec]
) -> dict[str, Any]:
    """Changed fields; only values :func:`audit_shows_value` allows are written down.

    (A name or a member number would otherwise outlive its erasure here.)
    """
    changes: dict[str, Any] = {}
    for spec in specs:
        old, new = before.get(spec.key), after.get(spec.key)
        if old == new:
            continue
        if audit_shows_value(spec):
            changes[spec.key] = {"before": old, "after": new}
        else:
            changes[spec.key] = {"changed": True}
    return changes


#: the most tags one customer can carry
MAX_TAGS = 100


def owner_team(owner: User | None) -> int | None:
    """The team a customer of this owner belongs to."""
    return team_id_of(owner) if owner is not None else None


def _username(user: User | None) -> str | None:
    return user.get_username() if user is not None else None


def _announce(
    name: str, actor: Actor, customer: Customer, changed: Mapping[str, Any] | None = None
) -> None:
    """Publish a customer event for webhooks: the id and changed field names, no values."""
    data = {"changed": sorted(changed)} if changed else None
    publish(
        name=name,
        actor=actor,
        customer_id=customer.pk,
        object_type="customer",
        object_id=customer.pk,
        data=data,
    )


@transaction.atomic
def create_customer(
    *,
    actor: User,
    template: Template,
    values: Mapping[str, Any],
    owner: User | None = None,
    tags: Sequence[int] = (),
    allow_duplicate: bool = False,
) -> Customer:
    """Validate ``values`` against the template's current version and store a new customer.

    The owner defaults to the actor. Raises ValidationFailed listing every invalid field, and
    LikelyDuplicate (409, with the candidates the actor may see) when the customer likely
    duplicates one on file and the template's policy blocks it, or warns and
    ``allow_duplicate`` is not set.
    """
    check_may_create(actor, template)
    owner = owner or actor
    check_owner(actor=actor, owner=owner, template=template)
    version = current_version(template)
    specs = version.specs()
    result = validate_values(values, specs)
    stored = split_values(result.clean, specs) if result.ok else None
    errors = result.errors + (unique_errors(stored, specs, template) if stored else [])
    if errors or stored is None:
        raise ValidationFailed(_("The customer could not be saved."), errors=errors)
    check_new_customer(
        actor=actor,
        template=template,
        clean=result.clean,
        specs=specs,
        lookups=stored.lookup_rows(),
        allow_duplicate=allow_duplicate,
    )
    customer = Customer(template=template, template_version=version, owner=owner, created_by=actor)
    customer.team_id = owner_team(owner)
    stored.apply_to(customer)
    customer.save(force_insert=True)
    write_lookups(customer, stored, specs)
    search_index.index_customers([customer], fresh=True)
    counts.template_added(template.pk, 1)
    if tags:
        attach_tags([customer], known_tags(tags), actor, fresh=True)
    changes = audit_changes({}, stored_values(customer, specs), specs)
    if owner.pk != actor.pk:
        changes["owner"] = {"before": None, "after": owner.get_username()}
    record_audit(
        actor=actor,
        action="create",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes=changes,
    )
    _announce("customer.created", actor, customer)
    return customer


def check_tag_count(tag_ids: Sequence[int]) -> None:
    """422 on ``tags`` for more than MAX_TAGS, before any query (100,000 ids took 13 s)."""
    if len(tag_ids) > MAX_TAGS:
        raise ValidationFailed(
            _("Too many tags."),
            errors=[FieldError("too_many_items", field="tags", label="tags", max=MAX_TAGS)],
        )


def known_tags(tag_ids: Sequence[int]) -> list[int]:
    """The tag ids, once each; 422 on ``tags`` naming the ones that do not exist."""
    check_tag_count(tag_ids)
    wanted = list(dict.fromkeys(tag_ids))
    found = set(Tag.objects.filter(pk__in=wanted).values_list("pk", flat=True)) if wanted else set()
    missing = [t for t in wanted if t not in found]
    if missing:
        raise ValidationFailed(
            _("Unknown tag."),
            errors=[
                FieldError("invalid_choice", field="tags", label="tags", value=str(m))
                for m in missing
            ],
        )
    return wanted


def attach_tags(
    customers: Sequence[Customer], tag_ids: Sequence[int], actor: User, *, fresh: bool = False
) -> None:
    """Put known tags on the customers (one insert); tags they have already stay.

    ``fresh``: the customers were created in this transaction and hold no tags yet.
    """
    held = (
        set()
        if fresh
        else set(
            CustomerTag.objects.filter(customer__in=customers, tag_id__in=tag_ids).values_list(
                "customer_id", "tag_id"
            )
        )
    )
    new = [
        CustomerTag(customer=c, tag_id=t, added_by=actor)
        for c in customers
        for t in tag_ids
        if (c.pk, t) not in held
    ]
    CustomerTag.objects.bulk_create(new, ignore_conflicts=True)
    # the kept per-tag counts cover live customers only
    counts.tags_changed(
        added=[(link.customer, link.tag_id) for link in new if link.customer.deleted_at is None]
    )


def replace_tags(
    customer: Customer, tag_ids: Sequence[int], actor: User
) -> tuple[list[str], list[str]]:
    """Make the customer's tags exactly ``tag_ids``; the tag names before and after."""
    before = sorted(customer.tags.values_list("name", flat=True))
    wanted = known_tags(tag_ids)
    dropped = CustomerTag.objects.filter(customer=customer).exclude(tag_id__in=wanted)
    removed = list(dropped.values_list("tag_id", flat=True))
    dropped.delete()
    if customer.deleted_at is None:
        counts.tags_changed(removed=[(customer, tag_id) for tag_id in removed])
    attach_tags([customer], wanted, actor)
    return before, sorted(customer.tags.values_list("name", flat=True))


def refuse_if_erased(customer: Customer) -> None:
    """409 for work on an erased customer: there is nothing left to change."""
    if customer.erased_at is not None:
        raise Conflict(_("This customer's personal data has been erased."), code="customer_erased")


def check_version(customer: Customer, expected_version: int | None) -> None:
    """409 when the caller read an older version than the stored one."""
    if expected_version is not None and customer.version != expected_version:
        raise Conflict(
            _("Someone else changed this customer first. Reload it and apply your change again."),
            code="stale_version",
            extra={"current_version": customer.version},
        )


def _reassign(actor: User, customer: Customer, owner: User | None) -> dict[str, Any]:
    """Give the customer to ``owner`` if that is a change the actor may make; the audit entry."""
    if owner is None or owner.pk == customer.owner_id:
        return {}
    check_owner(actor=actor, owner=owner, template=customer.template)
    before = _username(customer.owner)
    owner_id, team_id = customer.owner_id, customer.team_id
    customer.owner = owner
    customer.team_id = owner_team(owner)
    # the caller saves the customer in this transaction (or rolls all of it back)
    counts.customer_moved(
        customer, owner_id=owner_id, team_id=team_id, template_id=customer.template_id
    )
    return {"owner": {"before": before, "after": owner.get_username()}}


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
    transaction: all of it is saved or none. A unique value is checked only when it changes,
    so a customer sharing one from before the unique index existed can still be edited.
    """
    customer = locked_customer(actor, customer_id, "change")
    check_version(customer, expected_version)
    refuse_if_erased(customer)
    owner_change = _reassign(actor, customer, owner)
    specs = customer.template_version.specs()
    before = stored_values(customer, specs)
    result = validate_values(merge_changes(before, values, specs), specs, apply_defaults=False)
    stored = split_values(result.clean, specs) if result.ok else None
    errors, enforce = list(result.errors), None
    if stored is not None:
        changed, left_out = unique_plan(stored, specs, own_lookups([customer.pk])[customer.pk])
        errors += unique_errors(
            stored, specs, customer.template, exclude=customer.pk, fields=changed
        )
        # a value shared from before the unique index stays out of it while still shared
        shared = unique_errors(
            stored, specs, customer.template, exclude=customer.pk, fields=left_out
        )
        enforce = {spec.key for spec in specs if spec.unique} - {e.field for e in shared}
    if errors or stored is None:
        raise ValidationFailed(_("The customer could not be saved."), errors=errors)
    check_changed_customer(customer=customer, clean=result.clean, lookups=stored.lookups)
    stored.apply_to(customer)
    customer.version += 1
    customer.save()
    write_lookups(customer, stored, specs, enforce=enforce)
    search_index.index_customers([customer])
    changes = audit_changes(before, stored_values(customer, specs), specs)
    changes.update(owner_change)
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
    _announce("customer.updated", actor, customer, changed=changes)
    return customer


@transaction.atomic
def delete_customer(*, actor: User, customer_id: Any, expected_version: int | None = None) -> None:
    """Soft-delete a customer: hidden everywhere, restorable by an admin."""
    customer = locked_customer(actor, customer_id, "delete")
    check_version(customer, expected_version)
    customer.deleted_at = timezone.now()
    customer.version += 1
    customer.save(update_fields=["deleted_at", "version", "updated_at"])
    release_unique_values(customer)
    counts.customers_changed([customer.pk], -1)
    record_audit(
        actor=actor,
        action="delete",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
    )
    _announce("customer.deleted", actor, customer)


@transaction.atomic
def restore_customer(*, actor: Actor, customer_id: Any) -> Customer:
    """Bring back a soft-deleted customer from the trash (audited).

    Who may: those who may delete it (admins any, managers their team's); the
    ``dossier customers restore`` command run on the server acts as ``system_actor``.
    """
    if not may(actor, "customers.delete_customer"):
        raise PermissionDenied(_("You may not restore customers."))
    deleted = restrict_deleted(Customer.objects.select_for_update(), actor)
    customer = deleted.filter(pk=customer_id).first()
    if customer is None:
        raise NotFound(_("No such deleted customer."), code="customer_not_found")
    # while it was deleted, another customer may have taken one of its unique values
    specs = customer.template_version.specs()
    own = StoredValues(lookups=dict(customer.lookups.values_list("field", "digest")))
    clashes = unique_errors(own, specs, customer.template, exclude=customer.pk)
    if clashes:
        raise ValidationFailed(_("The customer could not be saved."), errors=clashes)
    customer.deleted_at = None
    customer.version += 1
    customer.save(update_fields=["deleted_at", "version", "updated_at"])
    claim_unique_values(customer, specs)
    counts.customers_changed([customer.pk], 1)
    record_audit(
        actor=actor,
        action="restore",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
    )
    _announce("customer.updated", actor, customer, changed={"restored": True})
    return customer


@transaction.atomic
def assign_owner(
    *, actor: User, customer_id: Any, owner: User, expected_version: int | None = None
) -> Customer:
    """Hand a customer to another owner (and their team); see :func:`check_owner`."""
    customer = locked_customer(actor, customer_id, "change")
    check_version(customer, expected_version)
    changes = _reassign(actor, customer, owner)
    if not changes:
        return customer
    customer.version += 1
    customer.save(update_fields=["owner", "team", "version", "updated_at"])
    record_audit(
        actor=actor,
        action="update",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes=changes,
    )
    _announce("customer.updated", actor, customer, changed=changes)
    return customer


def check_share(*, user: User) -> None:
    """Whether a customer may be shared with ``user`` (422 on ``user``).

    Sharing may cross teams (a colleague at another desk helps with one customer), and a
    share never widens the role's scenarios (``restrict`` still applies them); but the
    colleague must be active and in a role that sees customers at all: a share with someone
    who could never see it is a mistake, or an attempt to hand a record to an analyst.
    """
    if not (user.is_active and user.has_perm("customers.view_customer")):
        raise ValidationFailed(
            _("The customer could not be shared."),
            errors=[FieldError("owner_not_eligible", spec=SHARED_WITH, value=user.get_username())],
        )


@transaction.atomic
def share_customer(*, actor: User, customer_id: Any, user: User) -> None:
    """Let a colleague see and work on a customer too (see :func:`check_share`)."""
    customer = locked_customer(actor, customer_id, "change")
    check_share(user=user)
    CustomerShare.objects.get_or_create(customer=customer, user=user)
    record_audit(
        actor=actor,
        action="update",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"shared_with": user.get_username()},
    )
