"""Birthday greetings: a daily job makes a greeting task for each customer whose birthday is
N days away, through a channel they consented to for the purpose.

Only customers who may be used for the purpose (not restricted: ``customers.registry.
usable_for``), not deleted, not erased, with a granted consent for the purpose on at least
one contact channel. The task names the channels allowed; where a coupon campaign is set
(``DOSSIER_BIRTHDAY_COUPON_CAMPAIGN``), each greeted customer gets one of its coupons. Once
a year per customer: a second
run the same day (or another worker) finds the task made. Someone born on 29 February is
greeted on the 28th in a common year.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from dossier.consent.models import CONTACT_CHANNELS, Channel
from dossier.consent.selectors import granted_customer_ids
from dossier.core.actors import system_actor
from dossier.core.errors import ValidationFailed
from dossier.customers.models import Customer
from dossier.customers.registry import usable_for
from dossier.followups.models import Task
from dossier.followups.services import schedule_follow_up
from dossier.loyalty.services.coupons import issue_coupons

CAUSE = "birthday"


def _born_on(day: date) -> Q:
    found = Q(birthday__month=day.month, birthday__day=day.day)
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        found |= Q(birthday__month=2, birthday__day=29)
    return found


def greeting_candidates(*, day: date, purpose: str) -> dict[Any, list[str]]:
    """The customers born on ``day``'s month and day who may be greeted, with the channels
    they consented to for ``purpose``."""
    born = usable_for(
        Customer.objects.filter(_born_on(day), deleted_at__isnull=True, erased_at__isnull=True),
        purpose,
    )
    channels: dict[Any, list[str]] = {}
    for channel in CONTACT_CHANNELS:
        try:
            granted = granted_customer_ids(purpose, channel)
        except ValidationFailed:  # a purpose not given per channel, or no such purpose
            continue
        for customer_id in born.filter(id__in=granted).values_list("id", flat=True):
            channels.setdefault(customer_id, []).append(str(channel.value))
    return channels


def plan_birthday_greetings(*, today: date | None = None) -> int:
    """Make the greeting tasks for birthdays ``DOSSIER_BIRTHDAY_DAYS_AHEAD`` days from today."""
    today = today or timezone.localdate()
    ahead = int(getattr(settings, "DOSSIER_BIRTHDAY_DAYS_AHEAD", 3))
    purpose = str(getattr(settings, "DOSSIER_BIRTHDAY_PURPOSE", "marketing"))
    day = today + timedelta(days=ahead)
    candidates = greeting_candidates(day=day, purpose=purpose)
    cause_id = str(day.year)
    done = set(
        Task.objects.filter(
            cause_kind=CAUSE, cause_id=cause_id, customer_id__in=list(candidates)
        ).values_list("customer_id", flat=True)
    )
    labels = dict(Channel.choices)
    made, greeted = 0, []
    with override(settings.LANGUAGE_CODE):
        for customer_id, channels in candidates.items():
            if customer_id in done:
                continue
            named = "、".join(str(labels.get(c, c)) for c in channels)
            schedule_follow_up(
                actor=system_actor("birthdays"),
                customer_id=customer_id,
                title=_("Birthday greeting on %(day)s (consented: %(channels)s)")
                % {"day": day.isoformat(), "channels": named},
                due_at=datetime.combine(day, time(9), tzinfo=ZoneInfo(settings.TIME_ZONE)),
                cause_kind=CAUSE,
                cause_id=cause_id,
            )
            made += 1
            greeted.append(customer_id)
    coupon_campaign = getattr(settings, "DOSSIER_BIRTHDAY_COUPON_CAMPAIGN", None)
    if coupon_campaign and greeted:
        # one coupon of the configured campaign each; the service keeps one per customer
        issue_coupons(
            actor=system_actor("birthdays"), campaign_id=coupon_campaign, customer_ids=greeted
        )
    return made
