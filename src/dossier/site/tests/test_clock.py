"""The worker's clock: periodic jobs run on their period, a failing one does not stop it."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from dossier.core import roles
from dossier.followups.models import Task
from dossier.followups.services import create_task
from dossier.outbox.models import Event
from dossier.site.clock import JOBS, Clock, Job, run_job


def test_the_clock_runs_each_job_on_its_period_and_survives_failures() -> None:
    runs: list[str] = []
    ticked = threading.Event()

    def quick() -> None:
        runs.append("quick")
        if runs.count("quick") >= 3:
            ticked.set()

    def broken() -> None:
        runs.append("broken")
        raise RuntimeError("receiver down")

    slow = Job("slow", 60, lambda: runs.append("slow"))
    clock = Clock([Job("quick", 0.01, quick), Job("broken", 0.01, broken), slow])
    clock.start()
    try:
        assert ticked.wait(5)
    finally:
        clock.stop.set()
        clock.join(5)
    assert not clock.is_alive()
    assert runs.count("slow") == 1 and runs.count("broken") >= 2


def test_a_failing_job_reports_false() -> None:
    assert run_job(Job("bad", 1, lambda: 1 / 0)) is False
    assert run_job(Job("good", 1, lambda: None)) is True


@pytest.mark.django_db
def test_the_due_job_announces_every_due_task(make_user: Any, make_customer: Any) -> None:
    owner = make_user("owner", roles.SALES)
    customer = make_customer(owner)
    for n in range(3):
        create_task(
            actor=owner,
            customer_id=customer.pk,
            title=f"t{n}",
            due_at=timezone.now() - timedelta(minutes=n + 1),
        )
    [job] = [job for job in JOBS if job.name == "task.due"]
    assert job.every == 60
    assert run_job(job)
    assert Event.objects.filter(name="task.due").count() == 3
    assert not Task.objects.filter(due_announced_at=None).exists()
    assert run_job(job)  # nothing left: nothing announced twice
    assert Event.objects.filter(name="task.due").count() == 3


@pytest.mark.django_db
def test_the_clock_also_retries_due_webhooks_and_flags_stale_opportunities() -> None:
    names = {job.name: job for job in JOBS}
    assert {"task.due", "webhooks.due", "pipeline.stale"} <= set(names)
    # each runs on an empty database without error (nothing due, nothing stale)
    assert run_job(names["webhooks.due"]) and run_job(names["pipeline.stale"])
