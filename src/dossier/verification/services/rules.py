"""Rules at the door: the contact fields a template's customers must have verified before they
count as active, and the check a change of lifecycle to "active" has to pass."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldSpec
from dossier.core.fields.messages import Words
from dossier.customers.access import may
from dossier.customers.models import Customer
from dossier.templates.models import Template
from dossier.templates.selectors import get_template
from dossier.verification import selectors
from dossier.verification.errors import FIELDS, LIFECYCLE, VerificationError
from dossier.verification.models import RequiredVerification

MAX_RULES = 20


def _contact_specs_of(template: Template) -> dict[str, FieldSpec]:
    version = template.current_version
    specs = version.specs() if version is not None else []
    return {s.key: s for s in specs if s.type in selectors.CONTACT_TYPES}


@transaction.atomic
def set_required_verifications(
    *, actor: MaybeActor, template_key: str, fields: Iterable[str]
) -> list[str]:
    """The contact fields of a template that must be verified before a customer is active.

    Those who may change templates; each field must be a phone or e-mail field of the
    template's published version. Replaces the earlier list; audited.
    """
    if not may(actor, "templates.change_template"):
        raise PermissionDenied(_("You may not change templates."))
    template = get_template(key=template_key)
    contacts = _contact_specs_of(template)
    wanted = sorted({str(f) for f in fields})[: MAX_RULES + 1]
    errors = [
        VerificationError("not_contact_field", field=f"fields[{i}]", label=FIELDS, value=f[:64])
        for i, f in enumerate(wanted)
        if f not in contacts
    ]
    if errors or len(wanted) > MAX_RULES:
        raise ValidationFailed(_("These fields cannot be required verified."), errors=errors)
    before = selectors.required_fields(template.pk)
    RequiredVerification.objects.filter(template=template).exclude(field__in=wanted).delete()
    RequiredVerification.objects.bulk_create(
        [RequiredVerification(template=template, field=f) for f in wanted if f not in before]
    )
    record_audit(
        actor=actor,
        action="verification.rule_changed",
        object_type="template",
        object_id=template.key,
        changes={"required": [before, wanted]},
    )
    return wanted


def _labels(customer: Customer, keys: list[str]) -> Words:
    return _field_names(customer.template_version.specs(), keys)


def _field_names(all_specs: Iterable[FieldSpec], keys: list[str]) -> Words:
    specs = {s.key: s for s in all_specs}
    zh = "、".join(specs[k].label("zh-hans") if k in specs else k for k in keys)
    en = ", ".join(specs[k].label("en") if k in specs else k for k in keys)
    return Words(en, zh)


def check_active_ready(
    customer: Customer, *, lifecycle: str, digests: Mapping[str, str] | None = None
) -> None:
    """Refuse (422 on ``lifecycle``) making a customer active with required fields unverified.

    Call it where the lifecycle is set, with the values about to be saved: ``lifecycle`` the
    new lifecycle and ``digests`` the new blind indexes (``StoredValues.lookups``), so a phone
    changed in the same save counts as unverified. Nothing is checked for other lifecycles,
    nor when the customer was already active (an existing record is not locked out).
    """
    if lifecycle != selectors.ACTIVE or customer.lifecycle == selectors.ACTIVE:
        return
    missing = selectors.missing_verifications(customer, digests=digests)
    if missing:
        raise ValidationFailed(
            _("The customer cannot be made active yet."),
            errors=[
                VerificationError(
                    "verification_required", spec=LIFECYCLE, fields=_labels(customer, missing)
                )
            ],
        )


def refuse_unverified_active_at_entry(
    *, template: Any, clean: Mapping[str, Any], **_context: Any
) -> None:
    """The customers app's entry check (``customers.duplicates.register_entry_check``): a new
    customer cannot start as active when its template requires verified fields, since nothing
    of a customer not yet stored is verified. Start it as a lead or prospect and verify."""
    if clean.get("lifecycle") != selectors.ACTIVE:
        return
    required = selectors.required_fields(template.pk)
    if required:
        version = template.current_version
        names = _field_names(version.specs() if version else [], required)
        raise ValidationFailed(
            _("The customer cannot be made active yet."),
            errors=[VerificationError("verification_required", spec=LIFECYCLE, fields=names)],
        )
