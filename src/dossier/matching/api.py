"""The duplicates and merge API: the review queue, scans, merges and un-merges."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from ninja import Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS
from dossier.matching import selectors
from dossier.matching.explain import texts_of_stored
from dossier.matching.models import DuplicateGroup, DuplicateScan, Merge
from dossier.matching.schemas import GroupOut, MergeIn, MergeOut, ScanOut
from dossier.matching.services.merging import merge_customers, undo_merge
from dossier.matching.services.scanning import check_may_scan, dismiss_group, start_scan

router = Router(tags=["duplicates"])


def _scan_out(scan: DuplicateScan) -> dict[str, Any]:
    fields = ("status", "customers", "done", "pairs", "groups", "error")
    return {"id": scan.pk, **{f: getattr(scan, f) for f in fields}}


def _group_out(group: DuplicateGroup) -> dict[str, Any]:
    language = get_language() or "zh-hans"
    return {
        "id": group.pk,
        "status": group.status,
        "score": group.score,
        "customers": [str(pk) for pk in group.members.values_list("customer_id", flat=True)],
        "pairs": [
            {
                **{k: p[k] for k in ("a", "b", "score", "decision", "rule")},
                "reasons": texts_of_stored(p["reasons"], ("", ""), language),
            }
            for p in group.pairs
        ],
    }


def _merge_out(merge: Merge) -> dict[str, Any]:
    return {
        "id": merge.pk,
        "survivor": str(merge.survivor_id),
        "merged": merge.merged_ids,
        "rule": merge.rule,
        "choices": merge.choices,
        "created_at": merge.created_at,
        "undone_at": merge.undone_at,
    }


@router.post("/duplicates/scan", response={202: ScanOut, **ERRORS})
def scan(request: ApiRequest) -> Any:
    """Queue a scan of every customer for duplicates (managers and administrators)."""
    return Status(202, _scan_out(start_scan(actor=request.user)))


@router.get("/duplicates/scan", response={200: ScanOut | None, **ERRORS})
def scan_progress(request: ApiRequest) -> Any:
    """The newest scan and its progress."""
    check_may_scan(request.user)
    found = selectors.latest_scan()
    return _scan_out(found) if found else None


@router.get("/duplicates", response={200: list[GroupOut], **ERRORS})
def queue(request: ApiRequest, status: str = "open") -> Any:
    """Groups of likely duplicates to review, of customers you may all see, likeliest first."""
    groups = selectors.review_queue(actor=request.user, status=status)[:200]
    return [_group_out(g) for g in groups]


@router.get("/duplicates/{group_id}", response={200: GroupOut, **ERRORS})
def group(request: ApiRequest, group_id: int) -> Any:
    """One group with each pair's explanation."""
    return _group_out(selectors.group_for(actor=request.user, group_id=group_id))


@router.post("/duplicates/{group_id}/dismiss", response={200: GroupOut, **ERRORS})
def dismiss(request: ApiRequest, group_id: int) -> Any:
    """Mark a group as not duplicates; the scan will not propose it again."""
    return _group_out(dismiss_group(actor=request.user, group_id=group_id))


@router.post("/merges", response={201: MergeOut, **ERRORS})
def merge(request: ApiRequest, payload: MergeIn) -> Any:
    """Merge customers into one (edit rights on every record needed); undoable."""
    done = merge_customers(
        actor=request.user,
        customer_ids=[str(pk) for pk in payload.customers],
        survivor_id=str(payload.survivor) if payload.survivor else None,
        rule=payload.rule,
        picks={key: str(pk) for key, pk in payload.picks.items()},
    )
    return Status(201, _merge_out(done))


@router.get("/merges/{merge_id}", response={200: MergeOut, **ERRORS})
def merge_detail(request: ApiRequest, merge_id: int) -> Any:
    """One merge: who survived, what was merged, where each value came from."""
    return _merge_out(selectors.merge_for(actor=request.user, merge_id=merge_id))


@router.post("/merges/{merge_id}/undo", response={200: MergeOut, **ERRORS})
def undo(request: ApiRequest, merge_id: int) -> Any:
    """Undo a merge exactly; refused (409) once a record changed after it."""
    return _merge_out(undo_merge(actor=request.user, merge_id=merge_id))
