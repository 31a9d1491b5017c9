"""Campaign members: added from a tag or a list of customers, then moved along by responses.

A customer is added only when the actor may see them, they were not erased, nothing (a
restriction, an objection) keeps them out of marketing, and the consent ledger says they
consented to the campaign's purpose on its channel. The others are reported with the reason
and not added. Adding is set-based, a constant number of queries per batch of customers, and
idempotent: a customer already in the campaign stays there once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.services import record_entries, record_entry
from dossier.audit.services import record_audit, record_audit_many
from dossier.campaigns.models import STATUS_RANK, Campaign, CampaignMember
from dossier.campaigns.services import campaign_for
from dossier.consent.selectors import with_consent
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import Conflict, NotFound, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec, get_type
from dossier.customers.access import customer_for, restrict
from dossier.customers.models import Customer, Tag
from dossier.customers.registry import usable_for
from dossier.customers.selectors import CustomerFilters, customer_queryset
from dossier.customers.services import refuse_if_erased

TIMELINE_KIND = "campaign"
BATCH = 1000
#: the most customer ids one call may name, and the most skipped customers a report lists
MAX_IDS = 1000
MAX_LISTED = 1000
#: a campaign is marketing whatever its consent purpose: objections to marketing apply
USE = "marketing"

NOT_FOUND, ERASED, RESTRICTED, NO_CONSENT = "not_found", "erased", "restricted", "no_consent"
TAG = FieldLabel("tag_id", "标签", "Tag")
CUSTOMERS = FieldLabel("customer_ids", "客户", "Customers")
MEMBER_STATUS = FieldLabel("status", "状态", "Status")
ORDER_REF = FieldSpec(
    key="order_ref", type="text", label_zh="订单号", label_en="Order reference",
    rules={"max_length": 64},
)  # fmt: skip


@dataclass
class AddReport:
    """What adding members did: how many were added or already there, who was left out why."""

    added: int = 0
    already_members: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    #: (customer id, reason) of those left out, at most MAX_LISTED
    left_out: list[tuple[str, str]] = field(default_factory=list)

    def leave_out(self, ids: Iterable[Any], reason: str) -> None:
        for pk in ids:
            self.skipped[reason] += 1
            if len(self.left_out) < MAX_LISTED:
                self.left_out.append((str(pk), reason))


def touch_summary(campaign: Campaign, status: str) -> dict[str, Any]:
    """A campaign touch on a timeline: which campaign, by which channel, how far."""
    return {"campaign": campaign.pk, "name": campaign.name, "channel": campaign.channel,
            "status": status}  # fmt: skip


def touch_id(member_id: Any, status: str) -> str:
    """A touch's timeline object id: one entry per member and status reached."""
    return f"{member_id}.{status}"


def _uuids(values: Iterable[Any]) -> tuple[list[UUID], list[str]]:
    """The values that are customer ids, and those that are not (reported as not found)."""
    good: dict[UUID, None] = {}
    bad: list[str] = []
    for value in values:
        try:
            good[UUID(str(value))] = None
        except ValueError:
            bad.append(str(value)[:40])
    return list(good), bad


def _tagged_ids(actor: MaybeActor, tag_id: int) -> Iterator[list[UUID]]:
    """The ids of the tag's customers the actor may see, a batch at a time (by id)."""
    rows = customer_queryset(actor=actor, filters=CustomerFilters(tag=str(tag_id)))
    last: UUID | None = None
    while True:
        page = rows.filter(id__gt=last) if last is not None else rows
        batch = list(page.order_by("id").values_list("id", flat=True)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1]


def _add_batch(actor: MaybeActor, campaign: Campaign, ids: list[UUID], report: AddReport) -> None:
    """Add one batch: three reads decide who qualifies, one insert, one timeline, one audit."""
    asked = Customer.objects.filter(pk__in=ids)
    visible = dict(restrict(asked, actor, "view").values_list("id", "erased_at"))
    # an erased customer is seen but nothing more is written about them
    erased = {pk for pk, when in visible.items() if when is not None}
    seen = set(visible) - erased
    usable = set(usable_for(Customer.objects.filter(pk__in=seen), USE).values_list("id", flat=True))
    consenting = set(
        with_consent(
            Customer.objects.filter(pk__in=usable), campaign.purpose, campaign.channel
        ).values_list("id", flat=True)
    )
    report.leave_out([pk for pk in ids if pk not in visible], NOT_FOUND)
    report.leave_out([pk for pk in ids if pk in erased], ERASED)
    report.leave_out([pk for pk in ids if pk in seen and pk not in usable], RESTRICTED)
    report.leave_out([pk for pk in ids if pk in usable and pk not in consenting], NO_CONSENT)
    if not consenting:
        return
    members = CampaignMember.objects.filter(campaign=campaign)
    there = set(members.filter(customer_id__in=consenting).values_list("customer_id", flat=True))
    report.already_members += len(there)
    new = [pk for pk in ids if pk in consenting and pk not in there]
    if not new:
        return
    now = timezone.now()
    CampaignMember.objects.bulk_create(
        [
            CampaignMember(
                campaign=campaign, customer_id=pk, invited_at=now, added_by=person(actor)
            )
            for pk in new
        ],
        ignore_conflicts=True,  # a concurrent add of the same customer keeps one member
    )
    # the rows this call inserted (ids are not returned when conflicts are ignored)
    made = list(
        members.filter(customer_id__in=new, invited_at=now).values_list("id", "customer_id")
    )
    report.added += len(made)
    report.already_members += len(new) - len(made)
    summary = touch_summary(campaign, CampaignMember.Status.INVITED)
    record_entries(
        {
            "customer_id": customer_id,
            "kind": TIMELINE_KIND,
            "object_id": touch_id(pk, CampaignMember.Status.INVITED),
            "occurred_at": now,
            "summary": summary,
        }
        for pk, customer_id in made
    )
    record_audit_many(
        actor=actor,
        events=[
            {
                "action": "create",
                "object_type": "campaign_member",
                "object_id": pk,
                "customer_id": customer_id,
                "changes": {"campaign": campaign.pk, "status": "invited"},
            }
            for pk, customer_id in made
        ],
    )


def add_members(
    *,
    actor: MaybeActor,
    campaign_id: Any,
    customer_ids: Iterable[Any] | None = None,
    tag_id: Any = None,
) -> AddReport:
    """Add the customers of a tag, or those listed, who may be contacted by this campaign.

    Customers the actor cannot see are reported as not found (their existence is not
    confirmed), erased ones as erased, those kept out of marketing as restricted, those
    without consent on the campaign's channel for its purpose as without consent; none of them
    is added.
    """
    campaign = campaign_for(actor, campaign_id, "campaigns.add_campaignmember")
    if (customer_ids is None) == (tag_id is None):
        raise ValidationFailed(
            _("Add members from a tag or from a list of customers (one of them)."),
            errors=[FieldError("required", spec=CUSTOMERS if tag_id is None else TAG)],
        )
    if campaign.status == Campaign.Status.FINISHED:
        raise Conflict(_("This campaign is finished."), code="campaign_finished")
    report = AddReport()
    with transaction.atomic():
        if customer_ids is not None:
            ids, malformed = _uuids(customer_ids)
            if len(ids) + len(malformed) > MAX_IDS:
                raise ValidationFailed(
                    _("Too many customers in one call."),
                    errors=[FieldError("too_many_items", spec=CUSTOMERS, max=MAX_IDS)],
                )
            report.leave_out(malformed, NOT_FOUND)
            batches: Iterable[list[UUID]] = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
        else:
            if not Tag.objects.filter(pk=_tag_number(tag_id)).exists():
                raise ValidationFailed(
                    _("No such tag."),
                    errors=[FieldError("invalid_choice", spec=TAG, value=str(tag_id)[:20])],
                )
            batches = _tagged_ids(actor, _tag_number(tag_id))
        for batch in batches:
            _add_batch(actor, campaign, batch, report)
    return report


def _tag_number(tag_id: Any) -> int:
    try:
        number = int(tag_id)
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0


def change_member_status(
    *,
    actor: MaybeActor,
    campaign_id: Any,
    customer_id: Any,
    status: Any,
    order_ref: Any = "",
) -> CampaignMember:
    """Record that a member responded or converted (and the order it led to).

    A member only moves forward (invited → responded → converted); the same status again
    changes nothing. The campaign must have started; an erased customer's member stays as it is.
    """
    campaign = campaign_for(actor, campaign_id, "campaigns.change_campaignmember")
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "view")
        refuse_if_erased(customer)
        member = (
            CampaignMember.objects.select_for_update()
            .filter(campaign=campaign, customer_id=customer.pk)
            .first()
        )
        if member is None:
            raise NotFound(_("This customer is not in the campaign."), code="member_not_found")
        if campaign.status == Campaign.Status.DRAFT:
            raise Conflict(_("This campaign has not started."), code="campaign_not_started")
        wanted = _member_status(member.status, status)
        reference = _order_ref(order_ref)
        if wanted == member.status and not reference:
            return member
        now = timezone.now()
        before = member.status
        member.status = wanted
        if wanted == CampaignMember.Status.RESPONDED and member.responded_at is None:
            member.responded_at = now
        if wanted == CampaignMember.Status.CONVERTED and member.converted_at is None:
            member.converted_at = now
        if reference:
            member.order_ref = reference
        member.save()
        if wanted != before:
            record_entry(
                customer_id=customer.pk,
                kind=TIMELINE_KIND,
                object_id=touch_id(member.pk, wanted),
                occurred_at=now,
                summary=touch_summary(campaign, wanted),
            )
        record_audit(
            actor=actor,
            action="update",
            object_type="campaign_member",
            object_id=member.pk,
            customer_id=customer.pk,
            changes={"status": [before, wanted], "order_ref": bool(reference)},
        )
    return member


def _order_ref(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        return str(get_type("text").validate(value, ORDER_REF))
    except FieldError as error:
        raise ValidationFailed(_("The member could not be changed."), errors=[error]) from None


def _member_status(current: str, wanted: Any) -> str:
    try:
        chosen = CampaignMember.Status(wanted)
    except ValueError:
        raise ValidationFailed(
            _("The member could not be changed."),
            errors=[FieldError("invalid_choice", spec=MEMBER_STATUS, value=str(wanted)[:32])],
        ) from None
    if STATUS_RANK[chosen] < STATUS_RANK[CampaignMember.Status(current)]:
        raise ValidationFailed(
            _("A member cannot go back from %(before)s to %(after)s.")
            % {"before": CampaignMember.Status(current).label, "after": chosen.label},
            code="illegal_transition",
            errors=[FieldError("invalid_choice", spec=MEMBER_STATUS, value=str(chosen))],
        )
    return str(chosen)
