"""What each bulk action does to one customer, and how undo puts that customer back.

Every change goes through the customers' own services (locking, permission, version,
counts, the customer's own history), one customer per transaction: a customer is changed
wholly or not at all, and one that fails leaves the others going.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, get_type
from dossier.customers.access import customer_for
from dossier.customers.models import Customer, CustomerTag, Tag
from dossier.customers.services import (
    assign_owner,
    delete_customer,
    refuse_if_erased,
    restore_customer,
    set_customer_tags,
    update_customer,
)
from dossier.templates.core_fields import core_spec

TAG = FieldLabel("tag", "标签", "Tag")
OWNER = FieldLabel("owner", "负责人", "Owner")
CAMPAIGN = FieldLabel("campaign", "营销活动", "Campaign")

#: what one customer's change leaves for undo (None: nothing to undo for this customer)
UndoEntry = dict[str, Any] | None


@dataclass(frozen=True)
class Action:
    """One kind of bulk action: who may ask for it, its parameters, its per-customer step."""

    permission: str
    #: the customer action (``restrict``) a customer must allow for the step to apply
    access: str
    clean: Callable[[Mapping[str, Any]], dict[str, Any]]
    apply: Callable[[User, str, dict[str, Any]], UndoEntry] | None = None
    revert: Callable[[User, str, dict[str, Any], dict[str, Any]], None] | None = None


def failure(customer_id: Any, error: ApplicationError) -> dict[str, str]:
    """A customer left as it was: its id, a code and a reason a person can read."""
    language = get_language() or "en"
    if error.errors:
        code = error.errors[0].code
        reason = " ".join(e.message(language) for e in error.errors)
    else:
        code, reason = error.code, str(error.message)
    return {"customer": str(customer_id)[:40], "code": code, "reason": reason[:300]}


def changed_since() -> Conflict:
    return Conflict(
        _("This customer was changed after the bulk action; it was left as it is now."),
        code="changed_since",
    )


# --- parameters ---------------------------------------------------------------------------


def _tag(parameters: Mapping[str, Any]) -> dict[str, Any]:
    raw = str(parameters.get("tag", "") or "").strip()[:50]
    tag = Tag.objects.filter(pk=int(raw)).first() if raw.isdecimal() and len(raw) < 18 else None
    if tag is None:
        code = "invalid_choice" if raw else "required"
        raise ValidationFailed(_("Choose a tag."), errors=[FieldError(code, spec=TAG, value=raw)])
    return {"tag": tag.pk}


def _owner(parameters: Mapping[str, Any]) -> dict[str, Any]:
    raw = str(parameters.get("owner", "") or "").strip()[:150]
    owner = get_user_model().objects.filter(username=raw, is_active=True).first() if raw else None
    if owner is None:
        code = "invalid_choice" if raw else "required"
        raise ValidationFailed(
            _("Choose the new owner."), errors=[FieldError(code, spec=OWNER, value=raw)]
        )
    return {"owner": owner.get_username()}


def _lifecycle(parameters: Mapping[str, Any]) -> dict[str, Any]:
    spec = core_spec("lifecycle")
    raw = str(parameters.get("lifecycle", "") or "").strip()[:32]
    try:
        value = get_type(spec.type).validate(raw, spec) if raw else None
    except FieldError as error:
        raise ValidationFailed(_("Choose a lifecycle stage."), errors=[error]) from None
    if not value:
        raise ValidationFailed(
            _("Choose a lifecycle stage."), errors=[FieldError("required", spec=spec)]
        )
    return {"lifecycle": value}


def _campaign(parameters: Mapping[str, Any]) -> dict[str, Any]:
    raw = str(parameters.get("campaign", "") or "").strip()[:20]
    if not (raw.isdecimal() and 0 < int(raw) < 2**63):
        raise ValidationFailed(
            _("Choose a campaign."),
            errors=[FieldError("invalid_choice" if raw else "required", spec=CAMPAIGN, value=raw)],
        )
    return {"campaign": int(raw)}


def _export(parameters: Mapping[str, Any]) -> dict[str, Any]:
    wanted = str(parameters.get("format", "") or "csv")
    if wanted not in ("csv", "xlsx", "json"):
        raise ValidationFailed(
            _("Choose a format."),
            errors=[FieldError("invalid_choice", field="format", label="format", value=wanted[:8])],
        )
    return {"format": wanted}


def _nothing(parameters: Mapping[str, Any]) -> dict[str, Any]:
    return {}


# --- one customer ---------------------------------------------------------------------------


def _locked(actor: User, customer_id: str) -> Customer:
    customer = customer_for(actor, customer_id, "change", lock=True)
    refuse_if_erased(customer)
    return customer


def _held_tags(customer: Customer) -> list[int]:
    return list(CustomerTag.objects.filter(customer=customer).values_list("tag_id", flat=True))


@transaction.atomic
def _add_tag(actor: User, customer_id: str, params: dict[str, Any]) -> UndoEntry:
    customer = _locked(actor, customer_id)
    held = _held_tags(customer)
    if params["tag"] in held:
        return None
    set_customer_tags(actor=actor, customer_id=customer.pk, tag_ids=[*held, params["tag"]])
    link = CustomerTag.objects.get(customer=customer, tag_id=params["tag"])
    return {"link": link.pk}


def _undo_add_tag(
    actor: User, customer_id: str, params: dict[str, Any], entry: dict[str, Any]
) -> None:
    with transaction.atomic():
        customer = _locked(actor, customer_id)
        # the very link this action made: one removed (and perhaps given again) since is not ours
        if not CustomerTag.objects.filter(pk=entry["link"], customer=customer).exists():
            raise changed_since()
        held = [t for t in _held_tags(customer) if t != params["tag"]]
        set_customer_tags(actor=actor, customer_id=customer.pk, tag_ids=held)


@transaction.atomic
def _remove_tag(actor: User, customer_id: str, params: dict[str, Any]) -> UndoEntry:
    customer = _locked(actor, customer_id)
    held = _held_tags(customer)
    if params["tag"] not in held:
        return None
    rest = [t for t in held if t != params["tag"]]
    set_customer_tags(actor=actor, customer_id=customer.pk, tag_ids=rest)
    return {"removed": True}


def _undo_remove_tag(
    actor: User, customer_id: str, params: dict[str, Any], entry: dict[str, Any]
) -> None:
    with transaction.atomic():
        customer = _locked(actor, customer_id)
        held = _held_tags(customer)
        if params["tag"] in held:  # given back by someone since
            raise changed_since()
        set_customer_tags(actor=actor, customer_id=customer.pk, tag_ids=[*held, params["tag"]])


@transaction.atomic
def _change_owner(actor: User, customer_id: str, params: dict[str, Any]) -> UndoEntry:
    owner = get_user_model().objects.filter(username=params["owner"]).first()
    if owner is None:  # the account went while the action ran
        raise NotFound(_("The new owner no longer exists."), code="owner_gone")
    customer = _locked(actor, customer_id)
    if customer.owner_id == owner.pk:
        return None
    before = customer.owner.get_username() if customer.owner is not None else None
    changed = assign_owner(actor=actor, customer_id=customer.pk, owner=owner)
    return {"before": before, "version": changed.version}


def _check_version(actor: User, customer_id: str, entry: dict[str, Any]) -> Customer:
    customer = _locked(actor, customer_id)
    if customer.version != entry["version"]:
        raise changed_since()
    return customer


def _undo_owner(
    actor: User, customer_id: str, params: dict[str, Any], entry: dict[str, Any]
) -> None:
    with transaction.atomic():
        customer = _check_version(actor, customer_id, entry)
        before = get_user_model().objects.filter(username=entry["before"] or "").first()
        if before is None:
            raise NotFound(_("The previous owner no longer exists."), code="owner_gone")
        assign_owner(
            actor=actor, customer_id=customer.pk, owner=before, expected_version=entry["version"]
        )


@transaction.atomic
def _change_lifecycle(actor: User, customer_id: str, params: dict[str, Any]) -> UndoEntry:
    customer = _locked(actor, customer_id)
    if customer.lifecycle == params["lifecycle"]:
        return None
    before = customer.lifecycle
    changed = update_customer(
        actor=actor,
        customer_id=customer.pk,
        values={"lifecycle": params["lifecycle"]},
        expected_version=customer.version,
    )
    return {"before": before, "version": changed.version}


def _undo_lifecycle(
    actor: User, customer_id: str, params: dict[str, Any], entry: dict[str, Any]
) -> None:
    with transaction.atomic():
        customer = _check_version(actor, customer_id, entry)
        update_customer(
            actor=actor,
            customer_id=customer.pk,
            values={"lifecycle": entry["before"] or None},
            expected_version=entry["version"],
        )


@transaction.atomic
def _delete(actor: User, customer_id: str, params: dict[str, Any]) -> UndoEntry:
    delete_customer(actor=actor, customer_id=customer_id)
    version = Customer.objects.filter(pk=customer_id).values_list("version", flat=True).first()
    return {"version": version}


def _undo_delete(
    actor: User, customer_id: str, params: dict[str, Any], entry: dict[str, Any]
) -> None:
    with transaction.atomic():
        found = Customer.objects.select_for_update().filter(pk=customer_id).first()
        if found is not None and found.deleted_at is not None and found.version != entry["version"]:
            raise changed_since()
        if found is not None and found.deleted_at is None:
            raise changed_since()  # restored by someone else meanwhile
        restore_customer(actor=actor, customer_id=customer_id)


ACTIONS: dict[str, Action] = {
    "add_tag": Action("customers.change_customer", "change", _tag, _add_tag, _undo_add_tag),
    "remove_tag": Action(
        "customers.change_customer", "change", _tag, _remove_tag, _undo_remove_tag
    ),
    "change_owner": Action(
        "customers.change_customer", "change", _owner, _change_owner, _undo_owner
    ),
    "change_lifecycle": Action(
        "customers.change_customer", "change", _lifecycle, _change_lifecycle, _undo_lifecycle
    ),
    "delete": Action("customers.delete_customer", "delete", _nothing, _delete, _undo_delete),
    # set-based: whole chunks through the campaign's own membership service
    "add_to_campaign": Action("campaigns.add_campaignmember", "view", _campaign),
    # nothing is changed: the download streams the selection (see exporting.py)
    "export": Action("customers.export_customer", "export", _export),
}
