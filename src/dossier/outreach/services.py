"""Writing update campaigns: create (from a segment or a list), add recipients, send, close.

Who may: the campaign permission (managers, marketing, administrators) over the customers
they may see (``restrict``). Sending issues each recipient a self-service link through
privacy's :func:`issue_self_service_link`, on the sender's authority: the customer's
corrections are saved as the sender, so the sender must be allowed to issue links and to
change the customers (managers for their team, administrators). Marketing prepares a
campaign and follows it; a manager or an administrator sends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts.selectors import team_id_of
from dossier.audit.services import record_audit
from dossier.consent.selectors import check_channel, get_purpose
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec, validate_values
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.insights.selectors import get_segment, segment_customers
from dossier.outreach.models import CHANNEL_CHOICES, UpdateCampaign, UpdateRecipient
from dossier.outreach.selectors import ADD, CHANGE, campaign_for
from dossier.privacy.selfservice import MAX_DAYS
from dossier.privacy.subjects import HANDLE

DEFAULT_PURPOSE = "service_notices"  # "keeping your data up to date" is a service notice
DEFAULT_WINDOW = 14
#: sent in the request up to this many recipients; a background task beyond
SEND_AT_ONCE = 200
MAX_IDS = 1000
MAX_RECIPIENTS = 100_000
BATCH = 1000

NAME = FieldSpec(
    key="name", type="text", label_zh="名称", label_en="Name", required=True,
    rules={"max_length": 200},
)  # fmt: skip
CHANNEL = FieldLabel("channel", "渠道", "Channel")
SEGMENT = FieldLabel("segment_id", "客户分群", "Segment")
CUSTOMERS = FieldLabel("customer_ids", "客户", "Customers")
WINDOW = FieldLabel("window_days", "答复期限（天）", "Days to answer")
REMIND = FieldLabel("remind_after_days", "提醒（天后）", "Remind after days")


@dataclass
class AddReport:
    """Recipients added, already there, and asked for but not found (not confirmed)."""

    added: int = 0
    already: int = 0
    not_found: int = 0
    too_many: bool = False
    errors: list[str] = field(default_factory=list)


def _refuse(*errors: FieldError) -> ValidationFailed:
    return ValidationFailed(_("The update campaign could not be saved."), errors=list(errors))


def _days(value: Any, spec: FieldLabel, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise _refuse(FieldError("invalid_integer", spec=spec))
    if value < low:
        raise _refuse(FieldError("too_small", spec=spec, min=low))
    if value > high:
        raise _refuse(FieldError("too_large", spec=spec, max=high))
    return value


def _ids(values: Iterable[Any]) -> tuple[list[UUID], int]:
    good: dict[UUID, None] = {}
    bad = 0
    for value in values:
        try:
            good[UUID(str(value))] = None
        except ValueError:
            bad += 1
    return list(good), bad


def _insert(campaign: UpdateCampaign, ids: list[Any], report: AddReport) -> None:
    there = set(
        UpdateRecipient.objects.filter(campaign=campaign, customer_id__in=ids).values_list(
            "customer_id", flat=True
        )
    )
    new = [pk for pk in ids if pk not in there]
    UpdateRecipient.objects.bulk_create(
        [UpdateRecipient(campaign=campaign, customer_id=pk) for pk in new], ignore_conflicts=True
    )
    report.added += len(new)
    report.already += len(there)


def _visible_ids(actor: MaybeActor, ids: list[Any]) -> list[Any]:
    rows = restrict(Customer.objects.filter(pk__in=ids, erased_at__isnull=True), actor, "view")
    return list(rows.values_list("id", flat=True))


@transaction.atomic
def add_recipients(
    *, actor: MaybeActor, campaign_id: Any, customer_ids: Iterable[Any]
) -> AddReport:
    """Add customers (ids) to a draft campaign: those the actor may see, not erased.

    The quality app's stale list can feed a campaign through this function. Ids the actor
    cannot see are counted as not found, confirming no one's existence.
    """
    campaign = campaign_for(actor, campaign_id, CHANGE)
    if campaign.state != UpdateCampaign.State.DRAFT:
        raise Conflict(_("Recipients can be added only before sending."), code="already_sent")
    ids, malformed = _ids(customer_ids)
    if len(ids) + malformed > MAX_IDS:
        raise _refuse(FieldError("too_many_items", spec=CUSTOMERS, max=MAX_IDS))
    report = AddReport(not_found=malformed)
    seen = _visible_ids(actor, ids)
    report.not_found += len(ids) - len(seen)
    _insert(campaign, seen, report)
    record_audit(
        actor=actor,
        action="update",
        object_type="update_campaign",
        object_id=campaign.pk,
        changes={"recipients_added": report.added},
    )
    return report


def _segment_ids(actor: MaybeActor, segment_id: Any) -> tuple[Any, list[Any]]:
    try:
        segment = get_segment(actor=actor, segment_id=segment_id)
    except NotFound:
        raise _refuse(
            FieldError("invalid_choice", spec=SEGMENT, value=str(segment_id)[:20])
        ) from None
    rows = segment_customers(actor=actor, segment=segment).order_by("id")
    ids = list(rows.values_list("id", flat=True)[: MAX_RECIPIENTS + 1])
    if len(ids) > MAX_RECIPIENTS:
        raise _refuse(FieldError("too_many_items", spec=SEGMENT, max=MAX_RECIPIENTS))
    return segment, ids


def create_campaign(
    *,
    actor: MaybeActor,
    name: Any,
    channel: Any,
    purpose: Any = DEFAULT_PURPOSE,
    segment_id: Any = None,
    customer_ids: Iterable[Any] | None = None,
    window_days: Any = DEFAULT_WINDOW,
    remind_after_days: Any = None,
) -> tuple[UpdateCampaign, AddReport]:
    """A draft campaign for a segment's customers or a list of them (those the actor sees)."""
    if not may(actor, ADD):
        raise PermissionDenied(_("You may not create update campaigns."))
    clean = validate_values({"name": name}, [NAME], apply_defaults=False)
    if clean.errors:
        raise _refuse(*clean.errors)
    if channel not in dict(CHANNEL_CHOICES):
        raise _refuse(FieldError("invalid_choice", spec=CHANNEL, value=str(channel)[:32]))
    found = get_purpose(str(purpose or DEFAULT_PURPOSE)[:64])
    check_channel(found, str(channel))
    window = _days(window_days, WINDOW, 1, MAX_DAYS)
    remind = None
    if remind_after_days not in (None, "", 0, "0"):
        remind = _days(remind_after_days, REMIND, 1, max(1, window - 1))
        if remind >= window:
            raise _refuse(FieldError("too_large", spec=REMIND, max=window - 1))
    if (segment_id in (None, "")) == (customer_ids is None):
        raise _refuse(FieldError("required", spec=SEGMENT if customer_ids is None else CUSTOMERS))
    with transaction.atomic():
        segment, ids = (
            _segment_ids(actor, segment_id) if segment_id not in (None, "") else (None, [])
        )
        campaign = UpdateCampaign.objects.create(
            name=clean.clean["name"],
            purpose=found,
            channel=str(channel),
            segment=segment,
            created_by=person(actor),
            team_id=team_id_of(actor) if person(actor) else None,
            window_days=window,
            remind_after_days=remind,
        )
        record_audit(
            actor=actor,
            action="create",
            object_type="update_campaign",
            object_id=campaign.pk,
            changes={"name": campaign.name, "channel": campaign.channel, "purpose": found.key},
        )
        report = AddReport()
        if segment is not None:
            for start in range(0, len(ids), BATCH):
                _insert(campaign, ids[start : start + BATCH], report)
        else:
            report = add_recipients(
                actor=actor, campaign_id=campaign.pk, customer_ids=customer_ids or []
            )
    return campaign, report


def may_send(actor: MaybeActor | None) -> bool:
    """Whether the actor may send campaigns: issue self-service links (privacy's rule)."""
    return may(actor, CHANGE) and may(actor, HANDLE) and may(actor, "customers.change_customer")


def send_campaign(*, actor: MaybeActor, campaign_id: Any) -> UpdateCampaign:
    """Send a draft campaign: in this request when small, by a background task when large."""
    from dossier.outreach.sending import run_send

    with transaction.atomic():
        campaign = campaign_for(actor, campaign_id, CHANGE)
        if not may_send(actor):
            raise PermissionDenied(
                _(
                    "Sending issues self-service links on your authority: a manager or an "
                    "administrator sends update campaigns."
                )
            )
        campaign = UpdateCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state != UpdateCampaign.State.DRAFT:
            raise Conflict(_("This campaign was already sent."), code="already_sent")
        pending = UpdateRecipient.objects.filter(
            campaign=campaign, state=UpdateRecipient.State.PENDING
        ).count()
        if not pending:
            raise Conflict(_("This campaign has no recipients."), code="no_recipients")
        now = timezone.now()
        campaign.state = UpdateCampaign.State.SENDING
        campaign.sent_by = person(actor)
        campaign.sent_at = now
        campaign.closes_at = now + timedelta(days=campaign.window_days)
        campaign.save()
        record_audit(
            actor=actor,
            action="update",
            object_type="update_campaign",
            object_id=campaign.pk,
            changes={"state": ["draft", "sending"], "recipients": pending},
        )
        if pending > SEND_AT_ONCE:
            from dossier.outreach.tasks import send_update_campaign

            pk = campaign.pk
            transaction.on_commit(lambda: send_update_campaign.enqueue(pk))
    if pending <= SEND_AT_ONCE:
        run_send(campaign.pk)
    return UpdateCampaign.objects.get(pk=campaign.pk)


def close_campaign(*, actor: MaybeActor, campaign_id: Any) -> UpdateCampaign:
    """Close a campaign now: whoever has not updated is "no answer"; a draft is just closed."""
    from dossier.outreach.sending import close

    with transaction.atomic():
        campaign = campaign_for(actor, campaign_id, CHANGE)
        campaign = UpdateCampaign.objects.select_for_update().get(pk=campaign.pk)
        if campaign.state == UpdateCampaign.State.CLOSED:
            return campaign
        if campaign.state == UpdateCampaign.State.SENDING:
            raise Conflict(_("This campaign is still being sent."), code="still_sending")
        return close(campaign, actor=actor)
