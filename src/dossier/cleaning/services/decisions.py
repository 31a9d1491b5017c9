"""Accepting and rejecting suggestions: each acceptance is an ordinary, audited customer edit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.cleaning.models import CleaningRun, CleaningSuggestion
from dossier.cleaning.selectors import run_for, suggestions_of
from dossier.cleaning.services.runs import check_may_clean
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.customers.services import update_customer


@dataclass
class Outcome:
    """What became of the suggestions asked for: accepted, and those that could not be."""

    accepted: list[int] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    #: suggestion id → why not (the customer changed since, or no longer validates)
    conflicts: dict[int, str] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)


def _chosen(
    actor: User, run: CleaningRun, suggestion_ids: Sequence[int] | None
) -> list[CleaningSuggestion]:
    """The pending suggestions asked for (all of the run's when None) the actor may change.

    Asking for one the actor may not see (or not pending) is a 404 for all of them.
    """
    pending = suggestions_of(actor=actor, run=run, state=CleaningSuggestion.PENDING)
    if suggestion_ids is None:
        return list(pending)
    wanted = set(suggestion_ids)
    found = list(pending.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise NotFound(_("No such pending suggestion."), code="suggestion_not_found")
    return found


def accept_suggestions(
    *, actor: User, run_id: int, suggestion_ids: Sequence[int] | None = None
) -> Outcome:
    """Apply suggestions through the customer services, one customer at a time.

    The suggestions of one customer go in one edit, checked against the version they were
    read from: a customer changed since is a conflict and keeps its suggestions pending.
    """
    check_may_clean(actor)
    run = run_for(actor=actor, run_id=run_id)
    outcome = Outcome()
    by_customer: dict[Any, list[CleaningSuggestion]] = {}
    for suggestion in _chosen(actor, run, suggestion_ids):
        by_customer.setdefault(suggestion.customer_id, []).append(suggestion)
    for customer_id, group in by_customer.items():
        _accept_group(actor, run, customer_id, group, outcome)
    return outcome


def _accept_group(
    actor: User,
    run: CleaningRun,
    customer_id: Any,
    group: list[CleaningSuggestion],
    outcome: Outcome,
) -> None:
    ids = [s.pk for s in group]
    base = group[0].base_version
    try:
        with transaction.atomic():
            customer = update_customer(
                actor=actor,
                customer_id=customer_id,
                values={s.field: s.suggested_value for s in group},
                expected_version=base if all(s.base_version == base for s in group) else -1,
            )
            now = timezone.now()
            CleaningSuggestion.objects.filter(pk__in=ids).update(
                state=CleaningSuggestion.ACCEPTED, decided_by=actor, decided_at=now
            )
            # the run's other suggestions about this customer were read from the version
            # this edit replaced: it changed other fields only, so they still hold
            CleaningSuggestion.objects.filter(
                run=run, customer_id=customer_id, state=CleaningSuggestion.PENDING,
                base_version=base,
            ).update(base_version=customer.version)  # fmt: skip
            CleaningRun.objects.filter(pk=run.pk).update(accepted=F("accepted") + len(ids))
            record_audit(
                actor=actor,
                action="cleaning_accept",
                object_type="cleaning_run",
                object_id=run.pk,
                customer_id=customer_id,
                changes={
                    "fields": sorted(s.field for s in group),
                    "reasons": sorted({s.reason for s in group}),
                    "suggestions": ids,
                },
            )
    except Conflict as error:
        outcome.conflicts.update({pk: str(error.message) for pk in ids})
        return
    except (ValidationFailed, PermissionDenied, NotFound) as error:
        language = get_language() or "zh-hans"
        reasons = " ".join(e.message(language) for e in error.errors)
        outcome.failed.update({pk: f"{error.message} {reasons}".strip() for pk in ids})
        return
    outcome.accepted.extend(ids)


@transaction.atomic
def reject_suggestions(
    *, actor: User, run_id: int, suggestion_ids: Sequence[int] | None = None
) -> Outcome:
    """Mark suggestions rejected (the customers stay as they are), audited."""
    check_may_clean(actor)
    run = run_for(actor=actor, run_id=run_id)
    ids = [s.pk for s in _chosen(actor, run, suggestion_ids)]
    CleaningSuggestion.objects.filter(pk__in=ids).update(
        state=CleaningSuggestion.REJECTED, decided_by=actor, decided_at=timezone.now()
    )
    CleaningRun.objects.filter(pk=run.pk).update(rejected=F("rejected") + len(ids))
    if ids:
        record_audit(
            actor=actor,
            action="cleaning_reject",
            object_type="cleaning_run",
            object_id=run.pk,
            changes={"suggestions": ids},
        )
    return Outcome(rejected=ids)
