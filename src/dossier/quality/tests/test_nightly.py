"""The nightly refresh on the worker's clock: once a day, everyone, ages records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.quality.models import CustomerQuality, QualityRefresh
from dossier.quality.tasks import refresh_after_events, refresh_if_due
from dossier.site.clock import JOBS, run_job

pytestmark = pytest.mark.django_db


def test_nightly_refreshes_everyone_once_a_day(
    make_member: Callable[..., Any], owner: User
) -> None:
    one, two = make_member(owner), make_member(owner)
    made = refresh_if_due()
    assert made is not None and made.customers == 2
    assert CustomerQuality.objects.filter(pk__in=[one.pk, two.pk]).count() == 2
    assert refresh_if_due() is None
    assert QualityRefresh.objects.count() == 1


def test_the_clock_runs_the_quality_job(make_member: Callable[..., Any], owner: User) -> None:
    customer = make_member(owner)
    [job] = [job for job in JOBS if job.name == "quality.nightly"]
    assert run_job(job)
    assert CustomerQuality.objects.filter(pk=customer.pk).exists()


def test_the_listener_ignores_unknown_events_and_never_raises(db: Any) -> None:
    refresh_after_events([])
    refresh_after_events([10**9])
    assert not CustomerQuality.objects.exists()
