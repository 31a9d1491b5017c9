"""The scan on many customers: worker processes and batched writes queue the same groups."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.matching.engine import blocking, records, scan
from dossier.matching.models import DuplicateGroup, DuplicateScan
from dossier.matching.services import scanning
from dossier.matching.services.scanning import (
    SMALL_SCAN,
    default_processes,
    dismiss_group,
    run_scan,
)

pytestmark = pytest.mark.django_db

NAMES = [("张伟", "Zhang Wei"), ("李娜", "Li Na"), ("王芳", "Wang Fang"), ("刘洋", "Liu Yang")]


@pytest.fixture
def customers(sales: User, make_customer: Any) -> list[Any]:
    """Twelve people, most typed twice (characters, then pinyin with a reformatted phone)."""
    made = []
    for n in range(12):
        han, pinyin = NAMES[n % len(NAMES)]
        phone = f"1391234{n:04d}"
        made.append(make_customer(sales, display_name=han, phone=phone))
        if n % 4:
            made.append(make_customer(sales, display_name=pinyin, phone=f"+86 {phone}"))
    return made


def _queue() -> dict[str, tuple[Any, float, list[str]]]:
    return {
        g.members_key: (
            g.pairs,
            g.score,
            sorted(str(c) for c in g.members.values_list("customer_id", flat=True)),
        )
        for g in DuplicateGroup.objects.all()
    }


def test_a_forked_scan_with_small_batches_queues_what_one_process_does(
    customers: list[Any], manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_scan(processes=1)
    alone = _queue()
    assert first.groups == len(alone) >= 3
    DuplicateGroup.objects.all().delete()
    # worker processes from a handful of records on; a few groups written per statement
    monkeypatch.setattr(records, "PREPARE_FORK_FROM", 4)
    monkeypatch.setattr(records, "PREPARE_CHUNK", 5)
    monkeypatch.setattr(blocking, "CHUNK", 6)
    monkeypatch.setattr(scan, "FORK_FROM", 2)
    monkeypatch.setattr(scan, "SCORE_CHUNK", 3)
    monkeypatch.setattr(scan, "EXPLAIN_CHUNK", 2)
    monkeypatch.setattr(scanning, "PREPARE_BATCH", 7)
    monkeypatch.setattr(scanning, "WRITE_BATCH", 2)
    second = run_scan(processes=2)
    assert second.status == DuplicateScan.COMPLETED
    assert (second.groups, second.pairs) == (first.groups, first.pairs)
    assert _queue() == alone
    # a second scan refreshes the open groups (and points them at itself); a dismissed one
    # stays dismissed and is not proposed again
    dismissed = DuplicateGroup.objects.order_by("pk").first()
    assert dismissed is not None
    dismiss_group(actor=manager, group_id=dismissed.pk)
    third = run_scan(processes=2)
    assert third.groups == first.groups - 1
    assert DuplicateGroup.objects.count() == first.groups
    assert set(DuplicateGroup.objects.filter(status="open").values_list("scan", flat=True)) == {
        third.pk
    }
    assert _queue() == alone


def test_a_large_scan_uses_every_core_unless_the_setting_says_otherwise(settings: Any) -> None:
    settings.DOSSIER_DEDUP_PROCESSES = 0
    assert default_processes(SMALL_SCAN - 1) == 1  # forking costs more than it saves
    assert default_processes(SMALL_SCAN) == max(1, os.cpu_count() or 1)
    settings.DOSSIER_DEDUP_PROCESSES = 3
    assert default_processes(1_000_000) == 3
