"""Tags: create, rename, delete, and set a customer's tags."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldSpec, validate_values
from dossier.customers import counts
from dossier.customers.access import may
from dossier.customers.models import Customer, CustomerTag, Tag
from dossier.customers.services.profiles import refuse_if_erased, replace_tags
from dossier.customers.services.storage import locked_customer

# A tag's own fields go through the same validator as customers' (control characters too).
TAG_SPECS = [
    FieldSpec("name", "text", "名称", "Name", required=True, rules={"max_length": 50}),
    FieldSpec("group", "text", "分组", "Group", rules={"max_length": 50}),
    FieldSpec(
        "colour", "text", "颜色", "Colour", required=True, rules={"regex": "#[0-9a-fA-F]{6}"}
    ),
]


def _check_tag(name: str, group: str, colour: str) -> None:
    result = validate_values({"name": name, "group": group, "colour": colour}, TAG_SPECS)
    if result.errors:
        raise ValidationFailed(_("The tag is not valid."), errors=result.errors)


@transaction.atomic
def create_tag(*, actor: User, name: str, group: str = "", colour: str = "#6b7280") -> Tag:
    """Create a tag; its name is unique within its group."""
    if not may(actor, "customers.add_tag"):
        raise PermissionDenied(_("You may not create tags."))
    _check_tag(name, group, colour)
    if Tag.objects.filter(name=name.strip(), group=group.strip()).exists():
        raise Conflict(_("This tag already exists."), code="tag_exists")
    return Tag.objects.create(name=name.strip(), group=group.strip(), colour=colour)


@transaction.atomic
def update_tag(
    *,
    actor: User,
    tag_id: int,
    name: str | None = None,
    group: str | None = None,
    colour: str | None = None,
) -> Tag:
    """Rename, regroup or recolour a tag."""
    if not may(actor, "customers.change_tag"):
        raise PermissionDenied(_("You may not change tags."))
    tag = Tag.objects.select_for_update().filter(pk=tag_id).first()
    if tag is None:
        raise NotFound(_("No such tag."), code="tag_not_found")
    tag.name = (name if name is not None else tag.name).strip()
    tag.group = (group if group is not None else tag.group).strip()
    tag.colour = colour if colour is not None else tag.colour
    _check_tag(tag.name, tag.group, tag.colour)
    if Tag.objects.filter(name=tag.name, group=tag.group).exclude(pk=tag.pk).exists():
        raise Conflict(_("This tag already exists."), code="tag_exists")
    tag.save()
    return tag


@transaction.atomic
def delete_tag(*, actor: User, tag_id: int) -> None:
    """Delete a tag and take it off every customer."""
    if not may(actor, "customers.delete_tag"):
        raise PermissionDenied(_("You may not delete tags."))
    deleted, _detail = Tag.objects.filter(pk=tag_id).delete()
    if not deleted:
        raise NotFound(_("No such tag."), code="tag_not_found")


@transaction.atomic
def set_customer_tags(*, actor: User, customer_id: Any, tag_ids: Sequence[int]) -> list[Tag]:
    """Make a customer's tags exactly ``tag_ids``; an erased customer's tags stay as they are."""
    customer = locked_customer(actor, customer_id, "change")
    refuse_if_erased(customer)
    before, after = replace_tags(customer, tag_ids, actor)
    if before != after:
        record_audit(
            actor=actor,
            action="update",
            object_type="customer",
            object_id=customer.pk,
            customer_id=customer.pk,
            changes={"tags": {"before": before, "after": after}},
        )
    return list(customer.tags.all())


@transaction.atomic
def sync_rule_tag(*, tag_id: int, source: str, members: QuerySet[Customer]) -> tuple[int, int]:
    """Give tag ``tag_id`` to the live customers of ``members`` that lack it, and take it from
    those it was given by the same rule (``source``) who are no longer members.

    A tag staff gave by hand stays, member or not. Set-based: the members are a subquery, never
    a list walked in Python. Returns how many were added and removed.
    """
    wanted = members.values("id")
    live = Customer.objects.filter(deleted_at__isnull=True, erased_at__isnull=True)
    joining = list(
        live.filter(id__in=wanted)
        .exclude(id__in=CustomerTag.objects.filter(tag_id=tag_id).values("customer_id"))
        .only("id", "owner_id", "team_id", "template_id", "deleted_at", "erased_at")
    )
    CustomerTag.objects.bulk_create(
        [CustomerTag(customer=c, tag_id=tag_id, source=source) for c in joining]
    )
    rule_prefix = ":".join(source.split(":", 2)[:2]) + ":"
    leaving_links = CustomerTag.objects.filter(
        tag_id=tag_id, source__startswith=rule_prefix
    ).exclude(customer_id__in=wanted)
    leaving = list(
        Customer.objects.filter(id__in=leaving_links.values("customer_id")).only(
            "id", "owner_id", "team_id", "template_id", "deleted_at", "erased_at"
        )
    )
    leaving_links.delete()
    # a renamed rule: its links say the new name
    CustomerTag.objects.filter(tag_id=tag_id, source__startswith=rule_prefix).exclude(
        source=source
    ).update(source=source)
    counts.tags_changed(
        added=[(c, tag_id) for c in joining],
        removed=[(c, tag_id) for c in leaving if c.deleted_at is None],
    )
    return len(joining), len(leaving)
