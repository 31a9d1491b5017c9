"""Retention (PIPL art. 19 and 47, GDPR art. 5(1)(e)): how long each category of data is kept,
and the run that anonymises or deletes what has expired and writes a report.

Categories:

* ``inactive_customer_personal_data`` – customers not updated for longer than the policy
  have their personal data anonymised in place (the same anonymiser as an erasure request)
  or, with action "delete", their rows deleted (rows that consent evidence protects are
  anonymised instead).
* ``deleted_customer`` – customers soft-deleted by staff longer ago than the policy.
* ``audit_log`` – at least 36 months, action "keep". The audit log is append-only: the
  application never changes or deletes an audit event (on PostgreSQL a trigger refuses
  it). A run only *reports* how many events are older than the policy, for an operator who
  archives them outside Dossier; events younger than the policy are never touched either.

Customers under an active restriction of processing are held, not erased: the customer
asked for their data to be kept (for a legal claim, say). The report counts them.

A run works through a thousand customers per transaction and records where it stands, so a
run stopped half-way is continued by the next one (``retention_batches``).

Schedule ``dossier retention`` daily (cron or a systemd timer), or queue the
``run_retention`` task; see the command's help.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.models import AuditEvent
from dossier.audit.services import record_audit
from dossier.core.actors import Actor, person
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import may
from dossier.customers.models import Customer
from dossier.privacy import retention_batches as batches
from dossier.privacy.models import RetentionPolicy, RetentionRun
from dossier.privacy.retention_batches import BATCH

Category = RetentionPolicy.Category
Action = RetentionPolicy.Action

AUDIT_MINIMUM_MONTHS = 36
MAX_MONTHS = 1200
#: what a new deployment starts with (migration 0003 writes the same rows)
DEFAULT_POLICIES: dict[str, tuple[int, str]] = {
    Category.INACTIVE_CUSTOMER: (36, Action.ANONYMISE),
    Category.DELETED_CUSTOMER: (12, Action.ANONYMISE),
    Category.AUDIT_LOG: (AUDIT_MINIMUM_MONTHS, Action.KEEP),
}
ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    Category.INACTIVE_CUSTOMER: (Action.ANONYMISE, Action.DELETE),
    Category.DELETED_CUSTOMER: (Action.ANONYMISE, Action.DELETE),
    Category.AUDIT_LOG: (Action.KEEP,),
}

CATEGORY = FieldLabel("category", "数据类别", "Data category")
MONTHS = FieldLabel("months", "保存期限（月）", "Months kept")
ACTION = FieldLabel("action", "到期处理", "Action when expired")


def months_before(moment: datetime, months: int) -> datetime:
    """The same moment ``months`` calendar months earlier (the day clamped to the month)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


# ---- policies --------------------------------------------------------------------------------


def policy_list(*, actor: Actor) -> QuerySet[RetentionPolicy]:
    """Every retention policy, by category."""
    if not may(actor, "privacy.view_retentionpolicy"):
        raise PermissionDenied(_("You may not see retention policies."))
    return RetentionPolicy.objects.all()


@transaction.atomic
def ensure_default_policies() -> list[RetentionPolicy]:
    """Create the default policy of every category that has none (idempotent)."""
    created = []
    for category, (months, action) in DEFAULT_POLICIES.items():
        policy, new = RetentionPolicy.objects.get_or_create(
            category=category, defaults={"months": months, "action": action}
        )
        if new:
            created.append(policy)
    return created


@transaction.atomic
def set_retention_policy(
    *, actor: Actor, category: str, months: Any, action: str
) -> RetentionPolicy:
    """Set how long a category is kept and what then happens; the audit log keeps ≥ 36 months."""
    if not may(actor, "privacy.change_retentionpolicy"):
        raise PermissionDenied(_("You may not change retention policies."))
    errors = []
    if category not in Category.values:
        errors.append(FieldError("invalid_choice", spec=CATEGORY, value=str(category)[:40]))
    if isinstance(months, bool) or not isinstance(months, int):
        errors.append(FieldError("invalid_integer", spec=MONTHS))
    elif category == Category.AUDIT_LOG and months < AUDIT_MINIMUM_MONTHS:
        errors.append(FieldError("too_small", spec=MONTHS, min=AUDIT_MINIMUM_MONTHS))
    elif months < 1:
        errors.append(FieldError("too_small", spec=MONTHS, min=1))
    elif months > MAX_MONTHS:
        errors.append(FieldError("too_large", spec=MONTHS, max=MAX_MONTHS))
    allowed = ALLOWED_ACTIONS.get(category, tuple(Action))
    if action not in allowed:
        errors.append(FieldError("invalid_choice", spec=ACTION, value=str(action)[:16]))
    if errors:
        message = (
            _("The audit log must be kept at least %(months)d months.")
            % {"months": AUDIT_MINIMUM_MONTHS}
            if any(e.code == "too_small" and category == Category.AUDIT_LOG for e in errors)
            else _("The retention policy could not be saved.")
        )
        raise ValidationFailed(message, errors=errors)
    policy = RetentionPolicy.objects.select_for_update().filter(category=category).first()
    before = {"months": policy.months, "action": policy.action} if policy else None
    if policy is None:
        policy = RetentionPolicy(category=category)
    policy.months, policy.action, policy.updated_by = months, action, person(actor)
    policy.save()
    record_audit(
        actor=actor,
        action="update",
        object_type="retention_policy",
        object_id=category,
        changes={"before": before, "after": {"months": months, "action": action}},
    )
    return policy


# ---- the run ---------------------------------------------------------------------------------


@dataclass
class RetentionReport:
    """What a retention run matched and did (a dry run only matches)."""

    started_at: datetime
    dry_run: bool
    finished_at: datetime | None = None
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    anonymised: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    #: customers another transaction held through the run: left for the next run
    skipped: list[str] = field(default_factory=list)
    run_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "dry_run": self.dry_run,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "counts": self.counts,
            "anonymised": self.anonymised,
            "deleted": self.deleted,
            "skipped": self.skipped,
        }


def _plan(policies: list[RetentionPolicy], now: datetime) -> dict[str, Any]:
    """What a new run will do: each customer category's cutoff and action at ``now``."""
    by_category = {p.category: p for p in policies}
    steps = {}
    for category in batches.CUSTOMER_CATEGORIES:
        policy = by_category.get(category)
        if policy is not None:
            steps[category] = {
                "months": policy.months,
                "action": policy.action,
                "cutoff": months_before(now, policy.months).isoformat(),
            }
    return {"now": now.isoformat(), "started_at": timezone.now().isoformat(), "categories": steps}


def _audit_counts(now: datetime) -> dict[str, Any]:
    audit = RetentionPolicy.objects.filter(category=Category.AUDIT_LOG).first()
    if audit is None:
        return {}
    cutoff = months_before(now, audit.months)
    return {
        Category.AUDIT_LOG: {
            "months": audit.months,
            "action": audit.action,
            "cutoff": cutoff.isoformat(),
            # reported for archiving outside Dossier; the application never deletes them
            "older_than_policy": AuditEvent.objects.filter(at__lt=cutoff).count(),
        }
    }


def apply_retention(
    *, actor: Actor, now: datetime | None = None, dry_run: bool = False, batch: int = BATCH
) -> RetentionReport:
    """Enforce every retention policy, ``batch`` customers per transaction; a dry run
    changes nothing and writes no report row.

    A run stopped half-way is continued by the next call, with its own moment and policies
    (``now`` then applies to the runs after it). ``actor`` is the user who started the run
    by hand, or ``system_actor("retention")`` for the scheduled run (the command and the
    task); it is recorded on the run.
    """
    if not may(actor, "privacy.change_retentionpolicy"):
        raise PermissionDenied(_("You may not run retention."))
    if dry_run:
        return _dry_run(now or timezone.now())
    moment, size = now or timezone.now(), max(1, int(batch))
    run = batches.start_or_continue(actor=actor, plan=lambda policies: _plan(policies, moment))
    for category in batches.CUSTOMER_CATEGORIES:
        while batches.enforce_batch(run_id=run.pk, category=category, actor=actor, size=size):
            pass
    run = batches.finish(run_id=run.pk, now=timezone.now(), extra=_audit_counts)
    return RetentionReport(
        started_at=run.started_at,
        dry_run=False,
        finished_at=run.finished_at,
        counts=run.counts,
        anonymised=run.customer_ids.get("anonymised", []),
        deleted=run.customer_ids.get("deleted", []),
        skipped=run.customer_ids.get("skipped", []),
        run_id=run.pk,
    )


def _dry_run(now: datetime) -> RetentionReport:
    """What a run at ``now`` would match, with the customers' ids; nothing written."""
    report = RetentionReport(started_at=timezone.now(), dry_run=True)
    plan = _plan(list(RetentionPolicy.objects.all()), now)["categories"]
    deleted = plan.get(Category.DELETED_CUSTOMER)
    deleted_cutoff = datetime.fromisoformat(deleted["cutoff"]) if deleted else None
    for category, step in plan.items():
        cutoff = datetime.fromisoformat(step["cutoff"])
        expiring = Customer.objects.filter(
            batches.expired(category, cutoff, deleted_cutoff), batches.not_erased()
        )
        ids = list(expiring.exclude(batches.held()).order_by("pk").values_list("pk", flat=True))
        report.counts[category] = {
            **step,
            "matched": len(ids),
            "held_by_restriction": expiring.filter(batches.held()).count(),
            "anonymised": 0,
            "deleted": 0,
            "customer_ids": [str(pk) for pk in ids],
        }
    report.counts.update(_audit_counts(now))
    report.finished_at = timezone.now()
    return report


def run_list(*, actor: Actor, limit: int = 50) -> QuerySet[RetentionRun]:
    """The latest retention reports, newest first."""
    if not may(actor, "privacy.view_retentionpolicy"):
        raise PermissionDenied(_("You may not see retention policies."))
    return RetentionRun.objects.all()[:limit]
