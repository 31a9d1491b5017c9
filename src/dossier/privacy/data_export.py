"""Access and copy (PIPL art. 45, GDPR arts. 15 and 20): everything held about a customer.

The export is for the customer, so their values are unmasked; it leaves out other people's
personal data (staff names, IP addresses and user agents of staff actions). It is audited as
an "export" with the reason "data subject access".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from dossier.audit.services import record_audit
from dossier.core.actors import Actor
from dossier.customers.models import Customer
from dossier.customers.registry import export_sections
from dossier.customers.values import stored_values
from dossier.privacy.subjects import request_for, subject_customer
from dossier.templates.selectors import version_info

EXPORT_FORMAT = "dossier.subject-export/1"


def _iso(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def age_on(birthday: date | None, today: date) -> int | None:
    """Whole years from ``birthday`` to ``today`` (None without a birthday)."""
    if birthday is None:
        return None
    before_birthday = (today.month, today.day) < (birthday.month, birthday.day)
    return today.year - birthday.year - int(before_birthday)


def _profile(customer: Customer) -> dict[str, Any]:
    info = version_info(customer.template_version_id)
    values = stored_values(customer, info.specs)
    known = {spec.key for spec in info.specs}
    # values kept from an older template version that the current one no longer lists
    other = {
        k: v
        for source in (customer.attributes or {}, cast(dict[str, Any], customer.protected or {}))
        for k, v in source.items()
        if k not in known
    }
    template = customer.template
    return {
        "id": str(customer.pk),
        "template": {
            "key": template.key,
            "name_zh": template.name_zh,
            "name_en": template.name_en,
            "version": info.number,
        },
        "values": values,
        "other_values": other,
        "fields": [
            {
                "key": spec.key,
                "label_zh": spec.label_zh,
                "label_en": spec.label_en,
                "classification": spec.classification,
            }
            for spec in info.specs
        ],
        "tags": [
            {"name": t.name, "group": t.group}
            for t in customer.tags.all().order_by("group", "name")
        ],
        "owner": customer.owner.get_username() if customer.owner is not None else None,
        "version": customer.version,
        "created_at": _iso(customer.created_at),
        "updated_at": _iso(customer.updated_at),
        "deleted_at": _iso(customer.deleted_at),
    }


def _derived(customer: Customer) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "age": age_on(customer.birthday, today),
        "tenure_days": (today - timezone.localdate(customer.created_at)).days,
        "as_of": today.isoformat(),
    }


@transaction.atomic
def export_customer_data(
    *, actor: Actor, customer_id: Any, request_id: Any = None
) -> dict[str, Any]:
    """Everything held about a customer as JSON-ready data, unmasked; the export is audited."""
    customer = subject_customer(actor, customer_id)
    if request_id not in (None, ""):
        request_for(actor, request_id, customer_id=customer.pk)  # it must be about them
    export = {
        "format": EXPORT_FORMAT,
        "generated_at": _iso(timezone.now()),
        "customer": _profile(customer),
        "derived": _derived(customer),
        # every registered table's part: consent, requests, restrictions, erasure, audit …
        **export_sections(customer),
    }
    record_audit(
        actor=actor,
        action="export",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"request": int(request_id)} if request_id not in (None, "") else {},
        reason="data subject access",
    )
    return export
