"""The duplicate scan: every live customer compared through the engine, found groups queued."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.errors import PermissionDenied
from dossier.customers.access import may
from dossier.customers.models import Customer
from dossier.matching.engine import Match, Prepared, clusters, find_matches, prepare
from dossier.matching.explain import stored_reasons
from dossier.matching.models import DuplicateGroup, DuplicateMember, DuplicateScan
from dossier.matching.people import people

BATCH = 2000
SCAN_PERMISSION = "customers.delete_customer"


def check_may_scan(actor: Any) -> None:
    """Scanning reads every customer: managers and administrators (who may delete) only."""
    if not may(actor, SCAN_PERMISSION):
        raise PermissionDenied(_("You may not scan for duplicates."))


@transaction.atomic
def start_scan(*, actor: User) -> DuplicateScan:
    """Queue a scan for the background worker (one at a time: a queued or running one is
    returned instead of a second)."""
    check_may_scan(actor)
    busy = DuplicateScan.objects.filter(
        status__in=[DuplicateScan.QUEUED, DuplicateScan.RUNNING]
    ).first()
    if busy is not None:
        return busy
    scan = DuplicateScan.objects.create(started_by=actor)
    from dossier.matching.tasks import run_duplicate_scan

    transaction.on_commit(lambda: run_duplicate_scan.enqueue(scan.pk))
    return scan


def members_key(customer_ids: Sequence[str]) -> str:
    """One key per set of customers, whatever their order."""
    return hashlib.sha256(",".join(sorted(customer_ids)).encode()).hexdigest()


def _live_customers() -> Iterator[list[Customer]]:
    live = (
        Customer.objects.filter(deleted_at__isnull=True, erased_at__isnull=True)
        .select_related("template_version")
        .order_by("pk")
    )
    last = None
    while True:
        batch = list((live.filter(pk__gt=last) if last is not None else live)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def run_scan(
    *,
    scan: DuplicateScan | None = None,
    actor: User | None = None,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> DuplicateScan:
    """Compare every live customer with the others and queue each group found for review.

    Values are decrypted in memory only; the queue keeps ids and per-field outcomes. A set of
    customers already reviewed (dismissed, merged) is not proposed again; an open group of the
    same customers is refreshed.
    """
    if scan is None:
        scan = DuplicateScan.objects.create(started_by=actor)
    scan.status, scan.started_at = DuplicateScan.RUNNING, timezone.now()
    scan.customers = Customer.objects.filter(
        deleted_at__isnull=True, erased_at__isnull=True
    ).count()
    scan.save(update_fields=["status", "started_at", "customers"])
    try:
        prepared: list[Prepared] = []
        for batch in _live_customers():
            prepared.extend(prepare(person) for person in people(batch))
            scan.done = len(prepared)
            DuplicateScan.objects.filter(pk=scan.pk).update(done=scan.done)
            if progress is not None:
                progress(scan.done, scan.customers)
        workers = processes if processes is not None else settings.DOSSIER_DEDUP_PROCESSES
        matches = [m for m in find_matches(prepared, processes=workers) if m.decision != "distinct"]
        del prepared
        scan.pairs = len(matches)
        scan.groups = queue_groups(scan, matches)
        scan.status = DuplicateScan.COMPLETED
    except Exception as error:  # the run is recorded as failed, then the error goes on
        scan.status, scan.error = DuplicateScan.FAILED, str(error)[:500]
        scan.finished_at = timezone.now()
        scan.save()
        raise
    scan.finished_at = timezone.now()
    scan.save()
    return scan


@transaction.atomic
def queue_groups(scan: DuplicateScan | None, matches: Sequence[Match]) -> int:
    """Put the groups these matches form in the review queue; how many are queued."""
    by_member: dict[str, list[Match]] = {}
    for match in matches:
        by_member.setdefault(match.a, []).append(match)
    reviewed = set(
        DuplicateGroup.objects.exclude(status=DuplicateGroup.OPEN).values_list(
            "members_key", flat=True
        )
    )
    open_groups = {g.members_key: g for g in DuplicateGroup.objects.filter(status="open")}
    queued = 0
    for ids in clusters(matches):
        key = members_key(ids)
        if key in reviewed:
            continue
        members = set(ids)
        pairs: list[dict[str, Any]] = [
            {
                "a": m.a,
                "b": m.b,
                "score": round(m.score, 4),
                "decision": m.decision,
                "rule": m.rule,
                "reasons": stored_reasons(m.reasons),
            }
            for member in ids
            for m in by_member.get(member, [])
            if m.b in members
        ]
        score = max(float(p["score"]) for p in pairs) if pairs else 0.0
        group = open_groups.get(key)
        if group is not None:
            group.scan, group.pairs, group.score = scan, pairs, score
            group.save(update_fields=["scan", "pairs", "score"])
        else:
            group = DuplicateGroup.objects.create(
                scan=scan, members_key=key, pairs=pairs, score=score
            )
            DuplicateMember.objects.bulk_create(
                DuplicateMember(group=group, customer_id=pk) for pk in ids
            )
        queued += 1
    return queued


@transaction.atomic
def dismiss_group(*, actor: User, group_id: int) -> DuplicateGroup:
    """Mark a group "not duplicates": the scan will not propose the same customers again."""
    from dossier.matching.selectors import group_for

    group = group_for(actor=actor, group_id=group_id, action="change")
    group.status = DuplicateGroup.DISMISSED
    group.reviewed_by, group.reviewed_at = actor, timezone.now()
    group.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return group
