"""Writing campaigns: created as a draft, started, finished; renamed and re-dated.

Who may: the campaign permissions (marketing, managers, administrators). A campaign holds no
customer data itself; its members do (see :mod:`dossier.campaigns.membership`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.campaigns.models import CHANNEL_CHOICES, Campaign
from dossier.consent.selectors import check_channel, get_purpose
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec, validate_values
from dossier.customers.access import may


def _spec(key: str, type_name: str, zh: str, en: str, **more: Any) -> FieldSpec:
    return FieldSpec(key=key, type=type_name, label_zh=zh, label_en=en, **more)


FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        _spec("name", "text", "名称", "Name", required=True, rules={"max_length": 200}),
        _spec("description", "long_text", "说明", "Description", rules={"max_length": 2000}),
        _spec("starts_at", "datetime", "开始时间", "Starts"),
        _spec("ends_at", "datetime", "结束时间", "Ends"),
    )
}
CHANNEL = FieldLabel("channel", "渠道", "Channel")
STATUS = FieldLabel("status", "状态", "Status")
#: the moves a campaign's status may make
NEXT_STATUS = {
    Campaign.Status.DRAFT: {Campaign.Status.RUNNING, Campaign.Status.FINISHED},
    Campaign.Status.RUNNING: {Campaign.Status.FINISHED},
    Campaign.Status.FINISHED: set(),
}
EDITABLE = ("name", "description", "starts_at", "ends_at", "status")


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    specs = [FIELDS[key] for key in values if key in FIELDS]
    result = validate_values(values, specs, apply_defaults=False)
    errors = list(result.errors)
    clean = result.clean
    starts, ends = clean.get("starts_at"), clean.get("ends_at")
    if starts is not None and ends is not None and ends < starts:
        errors.append(
            FieldError("earlier_than_other", spec=FIELDS["ends_at"], other=FIELDS["starts_at"])
        )
    if errors:
        raise ValidationFailed(_("The campaign could not be saved."), errors=errors)
    return clean


def _check_channel(channel: Any) -> str:
    if channel not in dict(CHANNEL_CHOICES):
        raise ValidationFailed(
            _("The campaign could not be saved."),
            errors=[FieldError("invalid_choice", spec=CHANNEL, value=str(channel)[:32])],
        )
    return str(channel)


def campaign_for(actor: MaybeActor, campaign_id: Any, permission: str) -> Campaign:
    """The campaign, for an actor holding ``permission`` (403 without it; 404 if none)."""
    if not may(actor, permission):
        raise PermissionDenied(_("You may not do this with campaigns."))
    try:
        number = int(campaign_id)
    except (TypeError, ValueError):
        number = 0
    found = Campaign.objects.select_related("purpose", "owner").filter(pk=number).first()
    if found is None or not 0 < number < 2**63:
        raise NotFound(_("No such campaign."), code="campaign_not_found")
    return found


def create_campaign(
    *,
    actor: MaybeActor,
    name: Any,
    channel: Any,
    purpose: Any = "marketing",
    description: Any = "",
    starts_at: Any = None,
    ends_at: Any = None,
) -> Campaign:
    """A new draft campaign on a channel the consent ledger knows, for a consent purpose.

    The purpose must be recorded per channel (so consent can allow this channel): the
    consent app's own check says so, naming ``channel`` when it does not fit.
    """
    if not may(actor, "campaigns.add_campaign"):
        raise PermissionDenied(_("You may not create campaigns."))
    values = _clean(
        {"name": name, "description": description, "starts_at": starts_at, "ends_at": ends_at}
    )
    channel = _check_channel(channel)
    found = get_purpose(str(purpose or "")[:64])
    check_channel(found, channel)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            name=values["name"],
            description=values["description"] or "",
            channel=channel,
            purpose=found,
            starts_at=values["starts_at"],
            ends_at=values["ends_at"],
            owner=person(actor),
        )
        record_audit(
            actor=actor,
            action="create",
            object_type="campaign",
            object_id=campaign.pk,
            changes={"name": campaign.name, "channel": channel, "purpose": found.key},
        )
    return campaign


def update_campaign(*, actor: MaybeActor, campaign_id: Any, changes: Mapping[str, Any]) -> Campaign:
    """Rename, re-date, start or finish a campaign (draft → running → finished)."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ValidationFailed(
            _("The campaign could not be saved."),
            errors=[FieldError("unknown_field", field=key, label=key) for key in unknown],
        )
    with transaction.atomic():
        campaign = campaign_for(actor, campaign_id, "campaigns.change_campaign")
        campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
        dated = {key: changes.get(key, getattr(campaign, key)) for key in ("starts_at", "ends_at")}
        values = _clean({**dated, **{k: v for k, v in changes.items() if k in FIELDS}})
        before = {key: getattr(campaign, key) for key in (*values, "status")}
        for key, value in values.items():
            setattr(campaign, key, "" if value is None and key == "description" else value)
        if "status" in changes and changes["status"] != campaign.status:
            campaign.status = _next_status(campaign.status, changes["status"])
        changed = {
            key: [str(before[key]), str(getattr(campaign, key))]
            for key in before
            if before[key] != getattr(campaign, key)
        }
        if not changed:
            return campaign
        campaign.save()
        record_audit(
            actor=actor,
            action="update",
            object_type="campaign",
            object_id=campaign.pk,
            changes=changed,
        )
    return campaign


def _next_status(current: str, wanted: Any) -> str:
    if wanted not in Campaign.Status.values:
        raise ValidationFailed(
            _("The campaign could not be saved."),
            errors=[FieldError("invalid_choice", spec=STATUS, value=str(wanted)[:32])],
        )
    if wanted not in NEXT_STATUS[Campaign.Status(current)]:
        raise ValidationFailed(
            _("A campaign cannot go from %(before)s to %(after)s.")
            % {
                "before": Campaign.Status(current).label,
                "after": Campaign.Status(wanted).label,
            },
            code="illegal_transition",
            errors=[FieldError("invalid_choice", spec=STATUS, value=str(wanted))],
        )
    return str(wanted)
