"""Self-service links: a customer sees their own profile and consents, and corrects them.

A link is ``signing.dumps({"c": customer id, "n": nonce})`` with its own salt: signed with
SECRET_KEY and timestamped. It works while all of these hold:

* the signature is intact (a tampered link is refused),
* the customer's :class:`SelfServiceLink` row still holds the digest of its nonce (issuing
  a new link replaces the nonce, erasing the customer deletes the row),
* it has not passed the expiry chosen when it was issued (7 days unless told otherwise).

Whose authority a correction is saved under: the staff member who issued the link. The
customer is not a user, and ``update_customer`` needs an actor whose access rules it can
apply; the issuer vouched for the customer's identity when sending the link. Every change
is therefore saved by ``update_customer`` as the issuer (its usual audit event) and also
recorded as a "self_service" audit event with the reason "self-service", the fields
changed (names only) and the customer's IP address. If the issuer may no longer change the
customer, the link can still show the data but no longer change it.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.apps import apps
from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import Actor, person
from dossier.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec, get_type
from dossier.customers.models import Customer
from dossier.customers.services import update_customer
from dossier.customers.values import stored_values
from dossier.privacy.models import SelfServiceLink
from dossier.privacy.subjects import refuse_if_erased, subject_customer
from dossier.templates.selectors import version_info

SALT = "dossier.privacy.self-service"
DEFAULT_DAYS = 7
MAX_DAYS = 30
#: what a customer may correct themselves; other fields need a correction request
EDITABLE = ("display_name", "phone", "email", "address")
DAYS = FieldLabel("days", "有效天数", "Days valid")

#: ``(event, link, fields)``: told when a customer opens their page ("opened") or saves
#: corrections ("updated", with the keys changed). Apps above this one (outreach tracks its
#: campaigns' links; verification may record a "self_service" check) register from
#: ``AppConfig.ready``: privacy cannot import them. "updated" runs inside the correction's
#: transaction, so a rolled-back correction tells no one.
LinkListener = Callable[[str, SelfServiceLink, list[str]], None]
_LISTENERS: list[LinkListener] = []


def on_link_used(listener: LinkListener) -> None:
    """Be told when a self-service link is opened or used to correct the profile."""
    if listener not in _LISTENERS:
        _LISTENERS.append(listener)


def _tell(event: str, link: SelfServiceLink, fields: list[str] | None = None) -> None:
    for listener in _LISTENERS:
        listener(event, link, list(fields or []))


class LinkRefused(ApplicationError):
    """A self-service link that does not (or no longer) work."""

    status = 410
    code = "link_refused"


@dataclass
class IssuedLink:
    token: str
    expires_at: datetime


@dataclass
class SelfServicePage:
    """What the customer's page shows."""

    customer: Customer
    specs: list[FieldSpec]
    values: dict[str, Any]
    editable: list[FieldSpec]
    consents: list[Any]
    expires_at: datetime

    @property
    def shown(self) -> dict[str, Any]:
        """The values in the shape the customer pages' value list takes (nothing masked)."""
        return {"values": self.values, "masked": []}


def _digest(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def _check_days(days: Any) -> None:
    if isinstance(days, bool) or not isinstance(days, int):
        error = FieldError("invalid_integer", spec=DAYS)
    elif days < 1:
        error = FieldError("too_small", spec=DAYS, min=1)
    elif days > MAX_DAYS:
        error = FieldError("too_large", spec=DAYS, max=MAX_DAYS)
    else:
        return
    raise ValidationFailed(_("The link could not be issued."), errors=[error])


@transaction.atomic
def issue_self_service_link(
    *, actor: Actor, customer_id: Any, days: int = DEFAULT_DAYS
) -> IssuedLink:
    """A new link for the customer (valid ``days`` days); any older link stops working."""
    customer = subject_customer(actor, customer_id, action="change", for_update=True)
    refuse_if_erased(customer.pk)
    if customer.deleted_at is not None:
        # admins see deleted customers; a link would show a record the business has let go
        raise Conflict(_("This customer has been deleted."), code="customer_deleted")
    _check_days(days)
    nonce = secrets.token_urlsafe(18)
    now = timezone.now()
    expires_at = now + timedelta(days=days)
    SelfServiceLink.objects.update_or_create(
        customer_id=customer.pk,
        defaults={
            "nonce_digest": _digest(nonce),
            "issued_by": person(actor),
            "issued_at": now,
            "expires_at": expires_at,
        },
    )
    record_audit(
        actor=actor,
        action="create",
        object_type="self_service_link",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"expires_at": expires_at.isoformat()},
        reason="self-service",
    )
    token = signing.dumps({"c": str(customer.pk), "n": nonce}, salt=SALT)
    return IssuedLink(token=token, expires_at=expires_at)


def _refused(code: str, status: int = 410) -> LinkRefused:
    messages = {
        "link_invalid": _("This link is not valid. Check that it was copied completely."),
        "link_expired": _("This link has expired. Please ask us for a new one."),
        "link_replaced": _("A newer link was sent to you: please use that one."),
        "link_revoked": _("This link no longer works."),
    }
    error = LinkRefused(messages[code], code=code)
    error.status = status
    return error


def open_link(token: str, *, for_update: bool = False) -> tuple[SelfServiceLink, Customer]:
    """The live link and customer a token stands for; LinkRefused says why it does not work."""
    try:
        payload = signing.loads(str(token), salt=SALT, max_age=timedelta(days=MAX_DAYS))
    except signing.SignatureExpired:
        raise _refused("link_expired") from None
    except signing.BadSignature:
        raise _refused("link_invalid", 400) from None
    try:
        customer_id, nonce = UUID(str(payload["c"])), str(payload["n"])
    except (TypeError, KeyError, ValueError):
        raise _refused("link_invalid", 400) from None
    links = SelfServiceLink.objects.filter(customer_id=customer_id)
    link = (links.select_for_update() if for_update else links).first()
    if link is None:
        raise _refused("link_revoked")
    if not constant_time_compare(link.nonce_digest, _digest(nonce)):
        raise _refused("link_replaced")
    if link.expires_at <= timezone.now():
        raise _refused("link_expired")
    customers = Customer.objects.select_related("template").filter(
        pk=customer_id, deleted_at__isnull=True
    )
    customer = (customers.select_for_update(of=("self",)) if for_update else customers).first()
    if customer is None:
        raise _refused("link_revoked")
    return link, customer


def _consents(customer: Customer) -> list[Any]:
    if not apps.is_installed("dossier.consent"):
        return []
    from dossier.consent.selectors import customer_states

    return customer_states(customer)


def self_service_page(
    *, token: str, ip: str | None = None, user_agent: str = ""
) -> SelfServicePage:
    """The customer's own profile, unmasked (it is their data), and their consent status."""
    link, customer = open_link(token)
    specs = version_info(customer.template_version_id).specs
    record_audit(
        actor=None,
        action="view_sensitive",
        object_type="self_service",
        object_id=customer.pk,
        customer_id=customer.pk,
        reason="self-service",
        ip=ip,
        user_agent=user_agent,
    )
    _tell("opened", link)
    return SelfServicePage(
        customer=customer,
        specs=specs,
        values=stored_values(customer, specs),
        editable=[spec for spec in specs if spec.key in EDITABLE],
        consents=_consents(customer),
        expires_at=link.expires_at,
    )


def _issuer(link: SelfServiceLink) -> Any:
    issuer = link.issued_by
    if issuer is None or not issuer.is_active:
        raise PermissionDenied(
            _("This link can no longer be used to make changes. Please ask us for a new one.")
        )
    return issuer


@transaction.atomic
def _differs(spec: FieldSpec, raw: Any, stored: Any) -> bool:
    """Whether a submitted value changes the stored one (138 0013 8000 is +8613800138000)."""
    if str(raw or "").strip() == str(stored or ""):
        return False
    kind = get_type(spec.type)
    try:
        return kind.to_storage(kind.validate(raw, spec)) != stored
    except FieldError:
        return True  # the update reports it


@transaction.atomic
def correct_own_profile(
    *,
    token: str,
    values: Mapping[str, Any],
    expected_version: int | None,
    ip: str | None = None,
    user_agent: str = "",
) -> list[str]:
    """Save the customer's corrections of their contact fields; returns the keys changed."""
    link, customer = open_link(token, for_update=True)
    specs = version_info(customer.template_version_id).specs
    stored = stored_values(customer, specs)
    by_key = {spec.key: spec for spec in specs}
    changes = {
        key: values[key]
        for key in EDITABLE
        if key in values and key in by_key and _differs(by_key[key], values[key], stored.get(key))
    }
    if not changes:
        return []
    issuer = _issuer(link)
    try:
        update_customer(
            actor=issuer,
            customer_id=customer.pk,
            values=changes,
            expected_version=expected_version,
        )
    except PermissionDenied:
        raise PermissionDenied(
            _("This link can no longer be used to make changes. Please ask us for a new one.")
        ) from None
    record_audit(
        actor=issuer,
        action="update",
        object_type="self_service",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"fields": sorted(changes)},
        reason="self-service",
        ip=ip,
        user_agent=user_agent,
    )
    _tell("updated", link, sorted(changes))
    return sorted(changes)


@transaction.atomic
def withdraw_own_consent(
    *, token: str, purpose: str, channel: str, ip: str | None = None, user_agent: str = ""
) -> None:
    """The customer withdraws one consent from their page (source "self_service")."""
    link, customer = open_link(token, for_update=True)
    if not apps.is_installed("dossier.consent"):
        raise ValidationFailed(_("Consent is not recorded here."))
    from dossier.consent.services import withdraw_consent

    withdraw_consent(
        actor=_issuer(link),
        customer_id=customer.pk,
        purpose=purpose,
        channel=channel,
        source="self_service",
        evidence={"ip": ip or "", "user_agent": user_agent, "reference": "self-service link"},
    )
