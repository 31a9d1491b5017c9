"""Reading the audit log: filters, pages, and who may read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.templates.fields import FieldError

from .models import AuditEvent

MAX_PAGE_SIZE = 200


@dataclass
class AuditFilters:
    """Filters of the audit log (every one optional)."""

    actor: str = ""  # user name
    action: str = ""
    customer: str = ""  # customer id
    since: date | None = None
    until: date | None = None  # inclusive


@dataclass
class AuditPage:
    items: list[AuditEvent]
    next_cursor: int | None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(
    *, actor: Any, filters: AuditFilters | None = None, cursor: int | None = None, limit: int = 50
) -> AuditPage:
    """One page of audit events, newest first; needs ``privacy.view_auditevent``."""
    if not actor.has_perm("privacy.view_auditevent"):
        raise PermissionDenied(_("You may not read the audit log."))
    filters = filters or AuditFilters()
    queryset: QuerySet[AuditEvent] = AuditEvent.objects.all()
    if filters.actor:
        queryset = queryset.filter(actor_name=filters.actor)
    if filters.action:
        if filters.action not in AuditEvent.Action.values:
            raise ValidationFailed(
                _("Unknown action."),
                errors=[
                    FieldError(
                        "invalid_choice", field="action", label="action", value=filters.action
                    )
                ],
            )
        queryset = queryset.filter(action=filters.action)
    if filters.customer:
        try:
            queryset = queryset.filter(customer_id=UUID(filters.customer))
        except ValueError:
            raise ValidationFailed(
                _("Not a customer id."),
                errors=[FieldError("pattern", field="customer", label="customer")],
            ) from None
    # the first and last days a date can name bound nothing (and their edges overflow)
    if filters.since and filters.since > date.min:
        queryset = queryset.filter(at__gte=_day_start(filters.since))
    if filters.until and filters.until < date.max:
        queryset = queryset.filter(at__lt=_day_start(filters.until + timedelta(days=1)))
    if cursor:
        queryset = queryset.filter(id__lt=cursor)
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    rows = list(queryset.order_by("-id")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return AuditPage(items=rows, next_cursor=rows[-1].pk if more and rows else None)
