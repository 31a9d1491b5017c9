"""Demo tasks: due today, overdue and upcoming, some done; old ones already announced."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.activity.models import TimelineEntry
from dossier.followups import selectors, services
from dossier.followups.demo import fill_demo
from dossier.followups.models import Task

pytestmark = pytest.mark.django_db


def test_demo_tasks_fill_every_section(owner: User, make_customer: Callable[..., Any]) -> None:
    customers = [make_customer(owner) for _ in range(10)]
    before = timezone.now()
    made = fill_demo(
        customers=[(c.pk, c.owner_id) for c in customers],
        users=[owner],
        rng=random.Random(11),
        per_customer=5,
    )
    assert made == Task.objects.count() and 30 <= made <= 70
    now = timezone.now()
    sections = selectors.my_sections(actor=owner, now=now, limit=200)
    assert all(sections[name].items for name in ("overdue", "today", "upcoming"))
    assert Task.objects.filter(status="done").exclude(done_at=None).exists()
    assert not Task.objects.filter(status="done", done_at=None).exists()
    assert TimelineEntry.objects.filter(kind="task").count() == made
    # only tasks that fall due after the demo ran are left for the sweep
    assert services.announce_due_tasks(now=before) == 0
    assert not Task.objects.filter(due_at__lte=before, due_announced_at=None).exists()
    assert Task.objects.filter(due_at__gt=now, due_announced_at=None).exists()
