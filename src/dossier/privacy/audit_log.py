"""Reading the audit log: filters, pages, and who may read it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of, team_members
from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.customers.access import restrict
from dossier.customers.models import Customer

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


def visible_events(actor: MaybeActor) -> QuerySet[AuditEvent]:
    """The audit events ``actor`` may read (start every read of the log here).

    Admins: all. Others: an event about a customer only if they may see that customer
    (``customers.access.restrict``, the rule of every customer read); an event about no
    customer (log-ins, tokens, templates, batches) only if it was done by them or, for a
    manager, by a member of their team.
    """
    events = AuditEvent.objects.all()
    if actor.is_superuser or role_of_cached(actor) == roles.ADMIN:
        return events
    about_customer = Q(customer_id__in=restrict(Customer.objects.all(), actor).values("pk"))
    people = Q(actor_id=actor.pk)
    team_id = team_id_of(actor) if role_of_cached(actor) == roles.MANAGER else None
    if team_id is not None:
        people |= Q(actor_id__in=team_members(team_id))
    return events.filter(about_customer | (Q(customer_id__isnull=True) & people))


def audit_events(
    *,
    actor: MaybeActor,
    filters: AuditFilters | None = None,
    cursor: int | None = None,
    limit: int = 50,
) -> AuditPage:
    """One page of audit events, newest first; needs ``audit.view_auditevent``."""
    if not actor.has_perm("audit.view_auditevent"):
        raise PermissionDenied(_("You may not read the audit log."))
    filters = filters or AuditFilters()
    queryset: QuerySet[AuditEvent] = visible_events(actor)
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
