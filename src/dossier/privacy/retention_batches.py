"""A retention run done batch by batch: resumable, one transaction per batch of customers.

The run's row (:class:`RetentionRun`) carries its plan (the moment it judges expiry by, the
policies it applies) and, per category, the last customer id done. Each batch locks that row,
takes the next customers in id order, erases them and moves the mark, all in one
transaction: a run stopped half-way (a crash, a deploy) has lost at most the batch it was
in, which rolled back whole, and the next run continues from the mark with the same plan.
Nobody is erased twice (the tombstone is checked under the customer's lock) and nobody
skipped (the mark only passes customers done or reported busy).

A customer whose row another transaction holds (staff editing it) is not waited for: the
batch goes on without them, they are tried once more when the category is through, and a
customer still busy then is reported as skipped and left to the next run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from dossier.core.actors import Actor, person
from dossier.core.bulk_update import id_set
from dossier.customers.models import Customer
from dossier.privacy.erasure import anonymise_customers, delete_customers
from dossier.privacy.models import (
    CustomerTombstone,
    ProcessingRestriction,
    RetentionPolicy,
    RetentionRun,
)

Category = RetentionPolicy.Category
Action = RetentionPolicy.Action

#: customers per transaction: large enough that each statement serves many, small enough
#: that a batch holds its locks for about a second
BATCH = 1000
#: the categories of customers, in the order a run enforces them: a deleted customer long
#: inactive is counted once, as deleted
CUSTOMER_CATEGORIES = (Category.DELETED_CUSTOMER, Category.INACTIVE_CUSTOMER)


def expired(category: str, cutoff: datetime, deleted_cutoff: datetime | None) -> Q:
    """The customers a category's policy has expired (held or not, erased or not)."""
    if category == Category.DELETED_CUSTOMER:
        return Q(deleted_at__isnull=False, deleted_at__lt=cutoff)
    rule = Q(updated_at__lt=cutoff)
    if deleted_cutoff is not None:  # those are the deleted category's
        rule &= ~Q(deleted_at__isnull=False, deleted_at__lt=deleted_cutoff)
    return rule


def not_erased() -> Any:
    """Customers with no tombstone (an anti-join on its unique index, at any table size)."""
    return ~Exists(CustomerTombstone.objects.filter(customer_id=OuterRef("pk")))


def held() -> Exists:
    """Customers under an active restriction of processing: kept, never erased by a run."""
    return Exists(
        ProcessingRestriction.objects.filter(
            customer_id=OuterRef("pk"), lifted_at__isnull=True, scope="all"
        )
    )


def matching(
    category: str, cutoff: datetime, deleted_cutoff: datetime | None
) -> QuerySet[Customer]:
    """The customers a run erases for a category: expired, not erased yet, not held."""
    return Customer.objects.filter(expired(category, cutoff, deleted_cutoff), not_erased()).exclude(
        held()
    )


def _cutoffs(run: RetentionRun, category: str) -> tuple[datetime, datetime | None]:
    steps = run.progress["categories"]
    deleted = steps.get(Category.DELETED_CUSTOMER)
    return (
        datetime.fromisoformat(steps[category]["cutoff"]),
        datetime.fromisoformat(deleted["cutoff"]) if deleted else None,
    )


@transaction.atomic
def start_or_continue(
    *, actor: Actor, plan: Callable[[list[RetentionPolicy]], dict[str, Any]]
) -> RetentionRun:
    """The unfinished run to continue, or a new one with the plan of today's policies.

    The policies are locked meanwhile, so two runs started at once do not both begin one.
    """
    policies = list(RetentionPolicy.objects.select_for_update().order_by("category"))
    run = RetentionRun.objects.filter(finished_at__isnull=True).order_by("started_at", "id").first()
    if run is not None:
        return run
    progress = plan(policies)
    counts: dict[str, dict[str, Any]] = {}
    run = RetentionRun(progress=progress, counts=counts)
    for category, step in progress["categories"].items():
        cutoff, deleted_cutoff = _cutoffs(run, category)
        expiring = Customer.objects.filter(expired(category, cutoff, deleted_cutoff), not_erased())
        counts[category] = {
            "months": step["months"],
            "action": step["action"],
            "cutoff": step["cutoff"],
            "matched": expiring.exclude(held()).count(),
            "held_by_restriction": expiring.filter(held()).count(),
            "anonymised": 0,
            "deleted": 0,
            "skipped_busy": 0,
        }
    run.started_at = datetime.fromisoformat(progress["started_at"])
    run.triggered_by = person(actor)
    run.save()
    return run


def enforce_batch(*, run_id: int, category: str, actor: Actor, size: int = BATCH) -> bool:
    """Erase the category's next batch of customers in one transaction; False when through."""
    with transaction.atomic():
        run = RetentionRun.objects.select_for_update().get(pk=run_id)
        step = run.progress["categories"].get(category)
        if step is None or step.get("done") or run.finished_at is not None:
            return False
        matched = matching(category, *_cutoffs(run, category))
        retrying = step.get("after") == "end"
        if retrying:  # the ones busy on the first pass, once more
            ids = [UUID(pk) for pk in step.get("busy", [])[:size]]
        else:
            queue = matched.filter(pk__gt=UUID(step["after"])) if step.get("after") else matched
            ids = list(queue.order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            if retrying:
                step["done"] = True
            else:
                step["after"] = "end"
            run.save(update_fields=["progress"])
            return True
        # the conditions again under the lock: a customer changed or restricted since the
        # listing is no longer expired; one another transaction holds is not waited for
        rows = list(
            matched.filter(pk__in=id_set(ids))
            .order_by("pk")  # locks taken in one order, tombstones written in it
            .select_for_update(of=("self",), skip_locked=True)
        )
        done = {c.pk for c in rows}
        busy = [str(pk) for pk in matched.filter(pk__in=id_set(p for p in ids if p not in done))
                .order_by("pk").values_list("pk", flat=True)]  # fmt: skip
        _erase(rows, run=run, category=category, actor=actor)
        if retrying:
            step["busy"] = step["busy"][len(ids) :]
            run.progress.setdefault("skipped", []).extend(busy)
            run.counts[category]["skipped_busy"] += len(busy)
        else:
            step["busy"] = step.get("busy", []) + busy
            step["after"] = str(ids[-1])
        run.save(update_fields=["progress", "counts"])
        return True


def _erase(rows: list[Customer], *, run: RetentionRun, category: str, actor: Actor) -> None:
    step, counts = run.progress["categories"][category], run.counts[category]
    reason = f"retention policy {category} ({step['months']} months)"
    if step["action"] == Action.DELETE:
        deleted, rows = delete_customers(rows, actor=actor, reason=reason, run=run)
        counts["deleted"] += len(deleted)
    anonymised = anonymise_customers(
        rows, actor=actor, cause=CustomerTombstone.Cause.RETENTION, reason=reason, run=run
    )
    counts["anonymised"] += len(anonymised)


@transaction.atomic
def finish(
    *, run_id: int, now: datetime, extra: Callable[[datetime], dict[str, Any]]
) -> RetentionRun:
    """Close the run: its lists of customers, from the tombstones it wrote, and ``extra``
    counts (the audit log's) for the run's own moment."""
    run = RetentionRun.objects.select_for_update().get(pk=run_id)
    if run.finished_at is not None:  # another process finished it meanwhile
        return run
    moment = datetime.fromisoformat(run.progress["now"])
    lists: dict[str, list[str]] = {"anonymised": [], "deleted": []}
    erased = CustomerTombstone.objects.filter(retention_run=run).order_by("id")
    for customer_id, mode in erased.values_list("customer_id", "mode"):
        lists["anonymised" if mode == CustomerTombstone.Mode.ANONYMISED else "deleted"].append(
            str(customer_id)
        )
    skipped = run.progress.get("skipped", [])
    if skipped:
        lists["skipped"] = skipped
    run.customer_ids = lists
    run.counts.update(extra(moment))
    run.finished_at = now
    run.save(update_fields=["customer_ids", "counts", "finished_at"])
    return run
