"""Customers' ids in other systems (a shop's member number), so orders can name them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor
from dossier.core.errors import ValidationFailed
from dossier.customers.access import customer_for
from dossier.orders import errors as e
from dossier.orders.checks import Errors, text
from dossier.orders.errors import OrderError
from dossier.orders.models import CustomerExternalId


def attach_external_id(
    *, actor: MaybeActor, customer_id: Any, source: str, external_id: str
) -> CustomerExternalId:
    """Record the customer's id in another system; an id held by another customer is refused.

    Attaching the same id to the same customer again changes nothing.
    """
    errs = Errors()
    clean_source = text(source, e.SOURCE, errs, limit=50, required=True)
    clean_id = text(external_id, e.EXTERNAL_ID, errs, limit=64, required=True)
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change")
        if errs:
            raise ValidationFailed(_("The id was not recorded."), errors=errs)
        held = CustomerExternalId.objects.filter(source=clean_source, external_id=clean_id).first()
        if held is not None and held.customer_id == customer.pk:
            return held
        if held is not None:
            raise ValidationFailed(
                _("The id was not recorded."),
                errors=[OrderError("external_id_taken", spec=e.EXTERNAL_ID)],
            )
        try:
            with transaction.atomic():
                row = CustomerExternalId.objects.create(
                    source=clean_source, external_id=clean_id, customer=customer
                )
        except IntegrityError:
            raise ValidationFailed(
                _("The id was not recorded."),
                errors=[OrderError("external_id_taken", spec=e.EXTERNAL_ID)],
            ) from None
        record_audit(
            actor=actor,
            action="update",
            object_type="customer_external_id",
            object_id=row.pk,
            customer_id=customer.pk,
            changes={"source": clean_source},  # the id itself identifies: not in the log
        )
    return row
