"""Reads: which contact values of a customer are verified, and who breaks a template's rule.

A verification counts only while its digest equals the blind index the customers app keeps
for the current value (``CustomerLookup``): an edit of the value, or clearing it, leaves the
old verification behind without effect. Every read here compares the two in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict

from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.bulk_update import id_set
from dossier.core.errors import PermissionDenied
from dossier.core.fields import FieldSpec
from dossier.customers.access import customer_for, may, restrict
from dossier.customers.models import Customer, CustomerLookup
from dossier.verification.models import ContactVerification, RequiredVerification

#: the field types a code can be sent to
CONTACT_TYPES = ("phone", "email")
ACTIVE = "active"


class FieldState(TypedDict):
    verified: bool
    verified_at: datetime | None
    method: str | None
    has_value: bool


def contact_specs(customer: Customer) -> list[FieldSpec]:
    """The customer's phone and e-mail fields (core and template fields), in template order."""
    return [s for s in customer.template_version.specs() if s.type in CONTACT_TYPES]


def current_digests(customer_id: Any) -> dict[str, str]:
    """Field key → blind index of the customer's current value, for fields that have one."""
    rows = CustomerLookup.objects.filter(customer_id=customer_id).exclude(field__contains=":")
    return dict(rows.values_list("field", "digest"))


def _current() -> Exists:
    """A verification whose digest is the current value's (inside ContactVerification rows)."""
    return Exists(
        CustomerLookup.objects.filter(
            customer_id=OuterRef("customer_id"), field=OuterRef("field"), digest=OuterRef("digest")
        )
    )


def current_verifications(customer_ids: Iterable[Any]) -> QuerySet[ContactVerification]:
    """The verifications of these customers that still hold (their value did not change)."""
    # one array parameter: the quality refresh asks for 20,000 customers at a time
    return ContactVerification.objects.filter(customer_id__in=id_set(customer_ids)).filter(
        _current()
    )


def verification_state(
    customer: Customer, *, digests: Mapping[str, str] | None = None
) -> dict[str, FieldState]:
    """Each contact field of the customer: verified or not, when and how.

    The caller loaded ``customer`` through ``customer_for``. ``digests`` (field key → blind
    index) stands for the current values when a caller is about to save new ones.
    """
    digests = current_digests(customer.pk) if digests is None else digests
    found = {
        (v.field, v.digest): v for v in ContactVerification.objects.filter(customer_id=customer.pk)
    }
    state: dict[str, FieldState] = {}
    for spec in contact_specs(customer):
        digest = digests.get(spec.key)
        held = found.get((spec.key, digest)) if digest else None
        state[spec.key] = {
            "verified": held is not None,
            "verified_at": held.verified_at if held else None,
            "method": held.method if held else None,
            "has_value": digest is not None,
        }
    return state


def verification_state_for(*, actor: MaybeActor, customer_id: Any) -> dict[str, FieldState]:
    """:func:`verification_state` of a customer the actor may see (404/403 otherwise)."""
    return verification_state(customer_for(actor, customer_id, "view"))


def last_verified_at(customer_ids: Iterable[Any]) -> dict[Any, datetime]:
    """Customer id → when one of their current contact values was last verified.

    Customers with no verified current value are left out. No access check: pass the ids
    of customers the reader may already see (from ``restrict``).
    """
    rows = (
        current_verifications(customer_ids)
        .values("customer_id")
        .annotate(last=Max("verified_at"))
        .values_list("customer_id", "last")
    )
    return dict(rows)


def required_fields(template_id: Any) -> list[str]:
    """The fields a template's customers must have verified before they count as active."""
    rows = RequiredVerification.objects.filter(template_id=template_id).order_by("field")
    return list(rows.values_list("field", flat=True))


def missing_verifications(
    customer: Customer, *, digests: Mapping[str, str] | None = None
) -> list[str]:
    """The required fields of the customer's template not verified for their current value."""
    required = required_fields(customer.template_id)
    if not required:
        return []
    state = verification_state(customer, digests=digests)
    return [key for key in required if key not in state or not state[key]["verified"]]


def is_active_ready(customer: Customer, *, digests: Mapping[str, str] | None = None) -> bool:
    """Whether every field the template requires verified is verified for its current value."""
    return not missing_verifications(customer, digests=digests)


def _unmet_rule() -> Exists:
    """Inside Customer rows: a required field of its template without a current verification."""
    verified = ContactVerification.objects.filter(
        customer_id=OuterRef(OuterRef("pk")), field=OuterRef("field")
    ).filter(_current())
    return Exists(
        RequiredVerification.objects.filter(template_id=OuterRef("template_id")).filter(
            ~Exists(verified)
        )
    )


def active_without_verification(*, actor: MaybeActor) -> QuerySet[Customer]:
    """Active customers the actor may see whose required contact fields are not verified."""
    if not may(actor, "customers.view_customer"):
        raise PermissionDenied(_("You may not see customers."))
    visible = restrict(Customer.objects.select_related("template"), actor, "view")
    return visible.filter(lifecycle=ACTIVE).filter(_unmet_rule()).order_by("-id")
