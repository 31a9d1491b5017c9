"""The matching app's tables in the customer-data registry, and its check at entry."""

from __future__ import annotations

from typing import Any

from dossier.customers.duplicates import register_entry_check
from dossier.customers.registry import CustomerData, register
from dossier.matching.models import DuplicateMember, MergeSnapshot


def register_matching() -> None:
    """A merge's before-state is the customer's data: it goes with erasure (and the merge can
    no longer be undone). Review-queue membership goes too; neither moves on a merge."""
    register(CustomerData(key="merge_snapshots", model=MergeSnapshot, erasure="delete"))
    register(CustomerData(key="duplicate_reviews", model=DuplicateMember, erasure="delete"))
    register_entry_check(_check_at_entry)


def _check_at_entry(**kwargs: Any) -> None:
    # imported on first use: the engine's name tables load only when a customer is created
    from dossier.matching.services.entry import check_likely_duplicates

    check_likely_duplicates(**kwargs)
