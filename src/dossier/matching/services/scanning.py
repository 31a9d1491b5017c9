"""The duplicate scan: every live customer compared through the engine, found groups queued."""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.core.errors import PermissionDenied
from dossier.customers.access import may
from dossier.customers.models import Customer
from dossier.matching.engine import (
    Match,
    Person,
    Prepared,
    Scored,
    clusters,
    explain,
    prepare_many,
    score_pairs,
)
from dossier.matching.engine.union_find import DisjointSets
from dossier.matching.explain import stored_reasons
from dossier.matching.models import DuplicateGroup, DuplicateMember, DuplicateScan
from dossier.matching.people import people

BATCH = 2000
#: records gathered before they are prepared (in worker processes from about ten thousand)
PREPARE_BATCH = 20_000
#: groups written per statement
WRITE_BATCH = 500
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


def _prepared_customers(
    scan: DuplicateScan, processes: int, progress: Callable[[int, int], None] | None
) -> list[Prepared]:
    """Every live customer as the engine's record, decrypted a batch at a time and prepared
    in worker processes a few batches at a time."""
    prepared: list[Prepared] = []
    waiting: list[Person] = []
    for batch in _live_customers():
        waiting.extend(people(batch))
        if len(waiting) >= PREPARE_BATCH:
            prepared.extend(prepare_many(waiting, processes=processes))
            waiting = []
        scan.done = len(prepared) + len(waiting)
        DuplicateScan.objects.filter(pk=scan.pk).update(done=scan.done)
        if progress is not None:
            progress(scan.done, scan.customers)
    prepared.extend(prepare_many(waiting, processes=processes))
    return prepared


#: below this many customers a scan runs in its own process (forking costs more than it saves)
SMALL_SCAN = 20_000


def default_processes(customers: int) -> int:
    """Worker processes for a scan of ``customers``: the setting, else one per core."""
    if customers < SMALL_SCAN:
        return 1
    return max(1, settings.DOSSIER_DEDUP_PROCESSES or os.cpu_count() or 1)


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
        workers = processes if processes is not None else default_processes(scan.customers)
        prepared = _prepared_customers(scan, workers, progress)
        # every kept pair scores at least the possible-duplicate floor: none is "distinct"
        scored = score_pairs(prepared, processes=workers)
        scan.pairs = len(scored.pairs)
        with transaction.atomic():
            scan.groups = _write_groups(scan, _explained_groups(prepared, scored, workers))
        del prepared
        scan.status = DuplicateScan.COMPLETED
    except Exception as error:  # the run is recorded as failed, then the error goes on
        scan.status, scan.error = DuplicateScan.FAILED, str(error)[:500]
        scan.finished_at = timezone.now()
        scan.save()
        raise
    scan.finished_at = timezone.now()
    scan.save()
    return scan


def _explained_groups(
    prepared: Sequence[Prepared], scored: Scored, processes: int
) -> Iterator[tuple[list[str], list[Match]]]:
    """The connected groups of the scored pairs (member ids sorted, groups in the order
    ``clusters`` gives), each with its pairs explained, one group at a time."""
    sets: DisjointSets[int] = DisjointSets()
    pairs = scored.pairs.tolist()
    for i, j in pairs:
        sets.join(i, j)
    positions: dict[int, list[int]] = {}
    for position, pair in enumerate(pairs):
        positions.setdefault(sets.root(pair[0]), []).append(position)
    members = sets.groups()
    groups = sorted((sorted(prepared[x].id for x in members[r]), positions[r]) for r in positions)
    # explained in group order, so each group's matches arrive together (in score order)
    order = np.array([p for _, ps in groups for p in ps], dtype=np.int64)
    in_group_order = Scored(scored.pairs[order], scored.scores[order], scored.model)
    matches = explain(prepared, in_group_order, processes=processes)
    try:
        for ids, group_positions in groups:
            yield ids, [next(matches) for _ in group_positions]
    finally:
        matches.close()  # its worker processes end now, not when it is collected


def _stored_pair(match: Match) -> dict[str, Any]:
    return {
        "a": match.a,
        "b": match.b,
        "score": round(match.score, 4),
        "decision": match.decision,
        "rule": match.rule,
        "reasons": stored_reasons(match.reasons),
    }


def _write_groups(
    scan: DuplicateScan | None, groups: Iterable[tuple[list[str], list[Match]]]
) -> int:
    """Queue each group (member ids sorted, its matches): new ones inserted, open ones of the
    same customers refreshed, reviewed ones left out, a batch of groups per statement."""
    reviewed = set(
        DuplicateGroup.objects.exclude(status=DuplicateGroup.OPEN).values_list(
            "members_key", flat=True
        )
    )
    open_groups = dict(
        DuplicateGroup.objects.filter(status=DuplicateGroup.OPEN).values_list("members_key", "pk")
    )
    queued = 0
    groups = iter(groups)
    while batch := list(itertools.islice(groups, WRITE_BATCH)):
        fresh: list[tuple[DuplicateGroup, list[str]]] = []
        refreshed: list[DuplicateGroup] = []
        for ids, matches in batch:
            key = members_key(ids)
            if key in reviewed:
                continue
            # a member's pairs together, members in id order, each member's in score order
            pairs = [_stored_pair(m) for m in sorted(matches, key=lambda m: m.a)]
            score = max(float(p["score"]) for p in pairs) if pairs else 0.0
            group = DuplicateGroup(scan=scan, members_key=key, pairs=pairs, score=score)
            if key in open_groups:
                group.pk = open_groups[key]
                refreshed.append(group)
            else:
                fresh.append((group, ids))
            queued += 1
        DuplicateGroup.objects.bulk_update(refreshed, ["scan", "pairs", "score"])
        DuplicateGroup.objects.bulk_create([group for group, _ in fresh])
        DuplicateMember.objects.bulk_create(
            DuplicateMember(group=group, customer_id=pk) for group, ids in fresh for pk in ids
        )
    return queued


@transaction.atomic
def queue_groups(scan: DuplicateScan | None, matches: Sequence[Match]) -> int:
    """Put the groups these matches form in the review queue; how many are queued."""
    by_member: dict[str, list[Match]] = {}
    for match in matches:
        by_member.setdefault(match.a, []).append(match)

    def group(ids: list[str]) -> tuple[list[str], list[Match]]:
        members = set(ids)
        return ids, [m for member in ids for m in by_member.get(member, []) if m.b in members]

    return _write_groups(scan, (group(ids) for ids in clusters(matches)))


@transaction.atomic
def dismiss_group(*, actor: User, group_id: int) -> DuplicateGroup:
    """Mark a group "not duplicates": the scan will not propose the same customers again."""
    from dossier.matching.selectors import group_for

    group = group_for(actor=actor, group_id=group_id, action="change")
    group.status = DuplicateGroup.DISMISSED
    group.reviewed_by, group.reviewed_at = actor, timezone.now()
    group.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return group
