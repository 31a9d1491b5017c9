"""Sending a campaign's links, reminding once, closing, and hearing when a link is used.

Sending works through pending recipients a chunk at a time (one transaction each, so a
stopped worker goes on where it was). A recipient is sent a link only when the consent
ledger holds a grant for the campaign's purpose on its channel ("no channel" otherwise) and
they have an address on that channel. The link itself is never stored: only privacy's
digest of it; the message leaves after the chunk commits.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.consent.selectors import with_consent
from dossier.core.actors import MaybeActor, system_actor
from dossier.core.errors import ApplicationError
from dossier.customers.models import Customer
from dossier.customers.registry import usable_for
from dossier.outreach.models import UpdateCampaign, UpdateRecipient
from dossier.outreach.senders import UpdateLinkMessage, get_sender
from dossier.privacy.models import SelfServiceLink
from dossier.privacy.selfservice import issue_self_service_link

logger = logging.getLogger(__name__)
CHUNK = 100
S = UpdateRecipient.State


def _link_url(token: str) -> str:
    base = getattr(settings, "DOSSIER_PUBLIC_URL", "").rstrip("/")
    return base + reverse("privacy:self_service", args=[token])


def _message(
    campaign: UpdateCampaign, customer: Customer, to: str, token: str, days: int, *, reminder: bool
) -> UpdateLinkMessage:
    """The text a customer receives, in the deployment's language."""
    link = _link_url(token)
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "Dear %(name)s, please check that the contact details we keep about you are "
            "still right, and correct them if not: %(link)s (valid for %(days)s days)."
        )
        if reminder:
            body = _("A reminder: ") + body
        subject = _("Please check your details")
        text = body % {"name": customer.display_name, "link": link, "days": days}
    return UpdateLinkMessage(
        customer_id=str(customer.pk),
        campaign_id=campaign.pk,
        via=campaign.channel,
        to=to,
        subject=str(subject),
        body=text,
        link=link,
        reminder=reminder,
    )


def _deliver(recipient_id: int, message: UpdateLinkMessage) -> None:
    try:
        get_sender().send(message)
    except Exception:
        logger.exception("update link for recipient %s not delivered", recipient_id)
        UpdateRecipient.objects.filter(pk=recipient_id).update(
            state=S.FAILED, failure="delivery_failed"
        )


def _issuer(campaign: UpdateCampaign) -> User | None:
    issuer = campaign.sent_by
    return issuer if issuer is not None and issuer.is_active else None


def _days_left(campaign: UpdateCampaign, now: datetime) -> int:
    left = (campaign.closes_at or now) - now
    return max(1, math.ceil(left.total_seconds() / 86400))


def _issue(
    campaign: UpdateCampaign, recipient: UpdateRecipient, issuer: User, *, reminder: bool
) -> str:
    """Issue and hand over one link; returns "" when sent, else the failure reason."""
    customer = recipient.customer
    to = customer.phone if campaign.channel == "sms" else customer.email
    if not to:
        return "no_address"
    days = _days_left(campaign, timezone.now())
    try:
        issued = issue_self_service_link(actor=issuer, customer_id=customer.pk, days=days)
    except ApplicationError as error:  # the sender no longer reaches the customer …
        return str(error.code or "not_allowed")[:32]
    link = SelfServiceLink.objects.get(customer_id=customer.pk)
    recipient.link, recipient.link_issued_at = link, link.issued_at
    message = _message(campaign, customer, to, issued.token, days, reminder=reminder)
    transaction.on_commit(partial(_deliver, recipient.pk, message), robust=True)
    return ""


def _allowed(campaign: UpdateCampaign, ids: list[Any]) -> tuple[set[Any], set[Any]]:
    """Of these customers: who may still be contacted at all, and who consented on the channel."""
    live = Customer.objects.filter(pk__in=ids, deleted_at__isnull=True, erased_at__isnull=True)
    usable = set(usable_for(live, campaign.purpose.key).values_list("id", flat=True))
    consenting = with_consent(
        Customer.objects.filter(pk__in=usable), campaign.purpose, campaign.channel
    )
    return usable, set(consenting.values_list("id", flat=True))


def _send_chunk(campaign: UpdateCampaign) -> int:
    """Send the next chunk of pending recipients; returns how many were handled."""
    with transaction.atomic():
        rows = list(
            UpdateRecipient.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(campaign=campaign, state=S.PENDING)
            .select_related("customer")
            .order_by("id")[:CHUNK]
        )
        if not rows:
            return 0
        issuer = _issuer(campaign)
        usable, consenting = _allowed(campaign, [r.customer_id for r in rows])
        now = timezone.now()
        for recipient in rows:
            if recipient.customer_id not in usable:
                recipient.state, recipient.failure = S.FAILED, "restricted"
            elif recipient.customer_id not in consenting:
                recipient.state, recipient.failure = S.NO_CHANNEL, "no_consent"
            elif issuer is None:
                recipient.state, recipient.failure = S.FAILED, "sender_inactive"
            elif failure := _issue(campaign, recipient, issuer, reminder=False):
                recipient.state, recipient.failure = S.FAILED, failure
            else:
                recipient.state, recipient.sent_at = S.SENT, now
        UpdateRecipient.objects.bulk_update(
            rows, ["state", "failure", "sent_at", "link", "link_issued_at"]
        )
        return len(rows)


def run_send(campaign_id: int) -> UpdateCampaign | None:
    """Send (or go on sending) a campaign's pending recipients, then mark it sent."""
    campaign = UpdateCampaign.objects.select_related("purpose", "sent_by").get(pk=campaign_id)
    if campaign.state != UpdateCampaign.State.SENDING:
        return campaign
    while _send_chunk(campaign):
        pass
    with transaction.atomic():
        done = UpdateCampaign.objects.select_for_update().get(pk=campaign_id)
        if done.state == UpdateCampaign.State.SENDING:
            done.state = UpdateCampaign.State.SENT
            done.save(update_fields=["state"])
            record_audit(
                actor=system_actor("outreach"),
                action="update",
                object_type="update_campaign",
                object_id=done.pk,
                changes={"state": ["sending", "sent"]},
            )
    return done


def remind_due(now: datetime | None = None) -> int:
    """Send the one reminder to recipients of sent campaigns who have neither opened nor
    updated after ``remind_after_days``; returns how many were reminded."""
    now = now or timezone.now()
    reminded = 0
    due = UpdateCampaign.objects.select_related("purpose", "sent_by").filter(
        state=UpdateCampaign.State.SENT, remind_after_days__isnull=False, closes_at__gt=now
    )
    for campaign in due:
        assert campaign.sent_at is not None and campaign.remind_after_days is not None
        if campaign.sent_at + timedelta(days=campaign.remind_after_days) > now:
            continue
        reminded += _remind(campaign)
    return reminded


def _remind(campaign: UpdateCampaign) -> int:
    issuer = _issuer(campaign)
    if issuer is None:
        return 0
    with transaction.atomic():
        rows = list(
            UpdateRecipient.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(campaign=campaign, state=S.SENT, reminded_at__isnull=True)
            .select_related("customer")
        )
        _usable, consenting = _allowed(campaign, [r.customer_id for r in rows])
        now = timezone.now()
        sent = []
        for recipient in rows:
            # a customer who withdrew consent since is not reminded; nor asked again next hour
            recipient.reminded_at = now
            if recipient.customer_id in consenting and not _issue(
                campaign, recipient, issuer, reminder=True
            ):
                sent.append(recipient)
        UpdateRecipient.objects.bulk_update(rows, ["reminded_at", "link", "link_issued_at"])
        if rows:
            record_audit(
                actor=system_actor("outreach"),
                action="update",
                object_type="update_campaign",
                object_id=campaign.pk,
                changes={"reminded": len(sent)},
            )
    return len(sent)


def close(campaign: UpdateCampaign, *, actor: MaybeActor) -> UpdateCampaign:
    """Close a (locked) campaign: recipients sent a link who did not update get "no answer"."""
    now = timezone.now()
    silent = UpdateRecipient.objects.filter(campaign=campaign, state__in=(S.SENT, S.OPENED))
    count = silent.update(state=S.NO_ANSWER)
    campaign.state, campaign.closed_at = UpdateCampaign.State.CLOSED, now
    campaign.save(update_fields=["state", "closed_at"])
    record_audit(
        actor=actor,
        action="update",
        object_type="update_campaign",
        object_id=campaign.pk,
        changes={"state": "closed", "no_answer": count},
    )
    return campaign


def close_due(now: datetime | None = None) -> int:
    """Close the sent campaigns whose window has passed; returns how many."""
    closed = 0
    for pk in UpdateCampaign.objects.filter(
        state=UpdateCampaign.State.SENT, closes_at__lte=now or timezone.now()
    ).values_list("pk", flat=True):
        with transaction.atomic():
            campaign = UpdateCampaign.objects.select_for_update().get(pk=pk)
            if campaign.state == UpdateCampaign.State.SENT:
                close(campaign, actor=system_actor("outreach"))
                closed += 1
    return closed


def run_clock() -> dict[str, int]:
    """The worker clock's job: reminders due, then campaigns whose window has passed."""
    return {"reminded": remind_due(), "closed": close_due()}


def link_used(event: str, link: SelfServiceLink, fields: list[str]) -> None:
    """Privacy's hook: the customer opened their page or corrected it through our link."""
    ours = UpdateRecipient.objects.filter(link_id=link.pk, link_issued_at=link.issued_at)
    now = timezone.now()
    ours.filter(opened_at__isnull=True).update(opened_at=now)
    if event == "opened":
        ours.filter(state=S.SENT).update(state=S.OPENED)
    elif event == "updated":
        ours.update(state=S.UPDATED, updated_at=now, updated_fields=fields)
