"""Two workers sweeping at the same instant announce each due task once."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from dossier.followups import services
from dossier.outbox.models import Event

SWEEPERS = 4


@pytest.mark.django_db(transaction=True)
def test_simultaneous_sweeps_announce_each_task_once(owner: User, customer: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite runs one write transaction at a time (transaction_mode IMMEDIATE): the "
            "race needs PostgreSQL, where the row locks (SKIP LOCKED) keep sweeps apart"
        )
    due = timezone.now() - timedelta(minutes=1)
    for n in range(30):
        services.create_task(actor=owner, customer_id=customer.pk, title=f"t{n}", due_at=due)
    start = threading.Barrier(SWEEPERS)
    counts = [0] * SWEEPERS

    def sweep(number: int) -> None:
        try:
            start.wait()
            while announced := services.announce_due_tasks(limit=7):
                counts[number] += announced
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(n,)) for n in range(SWEEPERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = list(Event.objects.filter(name="task.due").values_list("object_id", flat=True))
    assert sum(counts) == 30 and len(ids) == 30 and len(set(ids)) == 30
