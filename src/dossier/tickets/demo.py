"""Demo tickets: after-sales requests in every state, with their histories (bulk writes).

``fill_demo`` is called by ``dossier demo`` with the demo customers (id, owner id) and users;
it writes tickets, their transitions, timeline entries and return-visit tasks with
``bulk_create`` (not per-row services: a demo of 100,000 customers must take minutes), then
recounts the customers' open tickets with ``refresh_figures``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.activity.figures import refresh_figures
from dossier.activity.services import record_entries
from dossier.followups.models import Task
from dossier.tickets import sla, transitions
from dossier.tickets.models import Ticket, TicketTransition
from dossier.tickets.services import follow_up_after, sla_hours

#: (subject, what the customer said, product references)
PROBLEMS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "屏幕碎裂",
        ("手机从桌上摔落，屏幕右下角碎裂，触摸失灵。", "屏幕出现裂纹，要求保修。"),
        ("SKU-P60-256", "SKU-MATE60"),
    ),
    (
        "空调不制冷",
        ("安装两年，今年夏天开始不制冷，外机有异响。", "开机半小时出风仍是热风。"),
        ("KFR-35GW", "KFR-50LW"),
    ),
    (
        "退换货",
        ("收到的颜色与下单不符，要求换货。", "七天无理由退货，包装完好。"),
        ("SKU-TSHIRT-L", "SKU-SHOE-42"),
    ),
    (
        "洗衣机漏水",
        ("洗衣时底部漏水，地板被泡。", "脱水时进水管接口渗水。"),
        ("XQG100-B14", "XQB80-36"),
    ),
    ("冰箱异响", ("夜间压缩机声音很大，影响休息。",), ("BCD-470WP", "BCD-258")),
    (
        "快递破损",
        ("外箱破损，商品边角有划痕。", "签收时发现包裹被压变形。"),
        ("SKU-KETTLE", "SKU-LAMP-02"),
    ),
    ("发票开错", ("发票抬头写错了公司名称，需要重开。", "税号少了一位，财务无法报销。"), ()),
    ("电池续航短", ("新买的手机一天要充三次电。",), ("SKU-P60-256", "SKU-NOVA12")),
    ("耳机无声音", ("左耳机没有声音，已重置仍无效。",), ("SKU-BUDS-PRO",)),
    ("电视黑屏", ("开机有声音没有画面。", "使用三个月突然黑屏。"), ("TV-65E7K", "TV-55V5")),
    ("安装预约改期", ("原定周六上门安装，需要改到下周。",), ("KFR-35GW", "JSQ30-16")),
    ("配件缺失", ("包装里少了遥控器和说明书。",), ("TV-55V5", "SKU-FAN-01")),
]
PRIORITY_WEIGHTS = {sla.LOW: 20, sla.NORMAL: 50, sla.HIGH: 20, sla.URGENT: 10}
FINAL_WEIGHTS = {
    transitions.NEW: 10,
    transitions.IN_PROGRESS: 15,
    transitions.WAITING_ON_CUSTOMER: 10,
    transitions.RESOLVED: 15,
    transitions.CLOSED: 50,
}
NOTES = ("已电话联系客户", "已安排师傅上门", "等待客户寄回", "客户已确认", "已补发配件", "")
#: tickets written per transaction
CHUNK = 2000


@dataclass
class _Planned:
    ticket: Ticket
    steps: list[tuple[str, str, datetime, str]]


def _count(rng: random.Random, per_customer: float) -> int:
    whole = int(per_customer)
    return whole + (1 if rng.random() < per_customer - whole else 0)


def _path(final: str, rng: random.Random) -> list[str]:
    """A legal way from "new" to ``final`` (sometimes with a wait, sometimes a reopening)."""
    steps: list[str] = []
    if final == transitions.NEW:
        return steps
    steps.append(transitions.IN_PROGRESS)
    if final == transitions.WAITING_ON_CUSTOMER or rng.random() < 0.3:
        steps.append(transitions.WAITING_ON_CUSTOMER)
        if final != transitions.WAITING_ON_CUSTOMER:
            steps.append(transitions.IN_PROGRESS)
    if final in (transitions.RESOLVED, transitions.CLOSED):
        steps.append(transitions.RESOLVED)
        if final == transitions.CLOSED:
            steps.append(transitions.CLOSED)
            if rng.random() < 0.08:  # reopened once, then done for good
                steps += [transitions.IN_PROGRESS, transitions.RESOLVED, transitions.CLOSED]
    return steps


def _plan(
    customer_id: UUID,
    assignee_id: int | None,
    rng: random.Random,
    now: datetime,
    hours: dict[str, float],
) -> _Planned:
    subject, words, products = rng.choice(PROBLEMS)
    priority = rng.choices(list(PRIORITY_WEIGHTS), weights=list(PRIORITY_WEIGHTS.values()))[0]
    final = rng.choices(list(FINAL_WEIGHTS), weights=list(FINAL_WEIGHTS.values()))[0]
    # open tickets are recent (some already past their SLA), finished ones spread over months
    age = timedelta(hours=rng.uniform(1, 96 if transitions.is_open(final) else 24 * 180))
    opened = now - age
    path = _path(final, rng)
    moments = sorted(opened + age * rng.uniform(0.05, 0.95) for _ in path)
    ticket = Ticket(
        customer_id=customer_id,
        subject=subject,
        description=rng.choice(words),
        status=final,
        priority=priority,
        due_at=sla.due_at(opened, priority, hours),
        assignee_id=assignee_id,
        product_ref=rng.choice(products) if products else "",
        order_ref=f"SO{opened:%Y%m%d}{rng.randrange(10**6):06d}" if rng.random() < 0.7 else "",
        created_at=opened,
        updated_at=moments[-1] if moments else opened,
    )
    steps = [("", transitions.NEW, opened, "")]
    before = transitions.NEW
    for state, at in zip(path, moments, strict=True):
        if transitions.is_reopening(before, state):
            ticket.due_at = sla.due_at(at, priority, hours)
            ticket.resolved_at = ticket.closed_at = None
        if state == transitions.RESOLVED:
            ticket.resolved_at = at
        if state == transitions.CLOSED:
            ticket.closed_at = at
        steps.append((before, state, at, rng.choice(NOTES)))
        before = state
    return _Planned(ticket, steps)


def _write(planned: list[_Planned], by_id: dict[int, str], now: datetime) -> None:
    tickets = Ticket.objects.bulk_create([p.ticket for p in planned], batch_size=1000)
    rows = []
    for plan, ticket in zip(planned, tickets, strict=True):
        for before, after, at, note in plan.steps:
            rows.append(
                TicketTransition(
                    ticket_id=ticket.pk,
                    customer_id=ticket.customer_id,
                    from_status=before,
                    to_status=after,
                    by_id=ticket.assignee_id,
                    by_name=by_id.get(ticket.assignee_id or 0, ""),
                    at=at,
                    note=note,
                )
            )
    TicketTransition.objects.bulk_create(rows, batch_size=2000)
    record_entries(
        {
            "customer_id": t.customer_id,
            "kind": "ticket",
            "object_id": t.pk,
            "occurred_at": t.created_at,
            "summary": {"status": t.status, "priority": t.priority},
        }
        for t in tickets
    )
    _return_visits(tickets, now)


def _return_visits(tickets: Sequence[Ticket], now: datetime) -> None:
    """The 回访 tasks the service schedules on closing, for tickets closed in the last weeks."""
    after = follow_up_after()
    tasks = [
        Task(
            customer_id=t.customer_id,
            title=f"工单 #{t.pk} 结单回访",
            due_at=t.closed_at + after,
            assignee_id=t.assignee_id,
            cause_kind="ticket",
            cause_id=str(t.pk),
            created_by_id=t.assignee_id,
            created_at=t.closed_at,
            # tasks already due were announced when they fell due (no flood on the first sweep)
            due_announced_at=t.closed_at + after if t.closed_at + after <= now else None,
        )
        for t in tickets
        if t.closed_at is not None and now - t.closed_at < timedelta(days=21)
    ]
    made = Task.objects.bulk_create(tasks, batch_size=1000)
    record_entries(
        {
            "customer_id": task.customer_id,
            "kind": "task",
            "object_id": task.pk,
            "occurred_at": task.created_at,
            "summary": {
                "status": task.status,
                "due_at": task.due_at.isoformat(),
                "cause": "ticket",
            },
        }
        for task in made
    )


def fill_demo(
    *,
    customers: list[tuple[UUID, int | None]],
    users: list[User],
    rng: random.Random,
    per_customer: float,
) -> int:
    """Write about ``per_customer`` tickets a customer (every state, with histories); how many."""
    now = timezone.now()
    hours = sla_hours()
    by_id = {u.pk: u.get_username() for u in users}
    desk = [u.pk for u in users if u.groups.filter(name="service").exists()] or list(by_id)
    total = 0
    planned: list[_Planned] = []
    touched: list[Any] = []
    for customer_id, owner_id in customers:
        for _ in range(_count(rng, per_customer)):
            assignee = owner_id if owner_id in by_id and rng.random() < 0.5 else None
            if assignee is None and desk:
                assignee = rng.choice(desk)
            planned.append(_plan(customer_id, assignee, rng, now, hours))
            touched.append(customer_id)
        if len(planned) >= CHUNK:
            total += _flush(planned, touched, by_id, now)
            planned, touched = [], []
    total += _flush(planned, touched, by_id, now)
    return total


def _flush(
    planned: list[_Planned], touched: list[Any], by_id: dict[int, str], now: datetime
) -> int:
    if not planned:
        return 0
    with transaction.atomic():
        _write(planned, by_id, now)
        refresh_figures(touched, sources=["tickets"])
    return len(planned)
