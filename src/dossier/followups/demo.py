"""Demo follow-up tasks: due today, overdue and upcoming, some done (bulk writes).

``fill_demo`` is called by ``dossier demo`` with the demo customers (id, owner id) and users;
it writes tasks and their timeline entries with ``bulk_create``. Tasks already past due are
marked announced, so the first ``task.due`` sweep does not flood webhooks with old news.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.activity.services import record_entries
from dossier.followups.models import Task
from dossier.followups.selectors import day_bounds

TITLES = (
    "电话回访：确认维修结果",
    "提醒会员续费",
    "预约上门安装",
    "寄送发票",
    "生日关怀短信",
    "跟进报价单",
    "回访满意度调查",
    "确认退款到账",
    "邀请参加新品体验会",
    "核对收货地址",
)
#: which section a task falls in (relative to now), and how often
WHEN_WEIGHTS = {"overdue": 25, "today": 20, "upcoming": 40, "done": 15}
CHUNK = 5000


def _count(rng: random.Random, per_customer: float) -> int:
    whole = int(per_customer)
    return whole + (1 if rng.random() < per_customer - whole else 0)


def _task(customer_id: UUID, assignee_id: int | None, rng: random.Random, now: datetime) -> Task:
    when = rng.choices(list(WHEN_WEIGHTS), weights=list(WHEN_WEIGHTS.values()))[0]
    _start, tomorrow = day_bounds(now)
    if when == "today":
        due = now + (tomorrow - now) * rng.uniform(0.05, 0.95)
    elif when == "upcoming":
        due = tomorrow + timedelta(hours=rng.uniform(1, 24 * 21))
    else:
        due = now - timedelta(hours=rng.uniform(1, 24 * 14))
    created = min(due, now) - timedelta(hours=rng.uniform(2, 24 * 10))
    task = Task(
        customer_id=customer_id,
        title=rng.choice(TITLES),
        due_at=due,
        assignee_id=assignee_id,
        created_by_id=assignee_id,
        created_at=created,
        due_announced_at=due if due <= now else None,
    )
    if when == "done":
        task.status = Task.Status.DONE
        task.done_at = due - timedelta(hours=rng.uniform(0, 12))
    return task


def fill_demo(
    *,
    customers: list[tuple[UUID, int | None]],
    users: list[User],
    rng: random.Random,
    per_customer: float,
) -> int:
    """Write about ``per_customer`` tasks a customer (today, overdue, upcoming, done); how many."""
    now = timezone.now()
    known = {u.pk for u in users}
    staff = sorted(known)
    total = 0
    batch: list[Task] = []
    for customer_id, owner_id in customers:
        for _ in range(_count(rng, per_customer)):
            assignee = owner_id if owner_id in known else (rng.choice(staff) if staff else None)
            batch.append(_task(customer_id, assignee, rng, now))
        if len(batch) >= CHUNK:
            total += _write(batch)
            batch = []
    return total + _write(batch)


def _write(batch: list[Task]) -> int:
    if not batch:
        return 0
    with transaction.atomic():
        made = Task.objects.bulk_create(batch, batch_size=1000)
        record_entries(_entry(task) for task in made)
    return len(made)


def _entry(task: Task) -> dict[str, Any]:
    return {
        "customer_id": task.customer_id,
        "kind": "task",
        "object_id": task.pk,
        "occurred_at": task.created_at,
        "summary": {"status": task.status, "due_at": task.due_at.isoformat(), "cause": ""},
    }
