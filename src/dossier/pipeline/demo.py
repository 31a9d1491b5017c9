"""Demo opportunities: Chinese deals in every stage, with their stage history and timeline.

Written with bulk inserts (not the per-row services) so a demo of 100,000 customers takes
seconds here; the rows are what the services would have written: a stage of the customer's
scenario, the stage's probability, a reason for each closed deal, one history row per move,
one timeline entry per opportunity. The pipeline keeps no customer figures, so there is
nothing to refresh.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.accounts.selectors import role_of_cached
from dossier.activity.services import record_entries
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.pipeline.models import Opportunity, Stage, StageChange
from dossier.pipeline.services import TIMELINE_KIND, timeline_summary

BATCH = 1000
#: deal titles and amount ranges (yuan) by template scenario
TITLES: dict[str, list[str]] = {
    "b2b_account": ["年度采购合同", "办公家具采购", "软件许可续费", "二期扩容项目", "企业团购礼品"],
    "sales": ["新品首批订货", "区域代理合作", "门店装修项目", "展厅样机采购"],
    "retail_member": ["会员卡年费升级", "家电以旧换新", "全屋净水套装", "年度储值卡"],
    "real_estate": ["住宅认购意向", "车位认购", "精装修升级包"],
    "financial": ["理财产品认购", "年金保险配置", "基金定投计划"],
    "after_sales": ["延保服务续约", "售后维保续约", "配件套装升级"],
    "marketing": ["展会合作意向", "联合营销活动"],
    "other": ["定制服务方案"],
}
AMOUNTS: dict[str, tuple[int, int]] = {
    "b2b_account": (50_000, 2_000_000),
    "sales": (20_000, 500_000),
    "retail_member": (800, 30_000),
    "real_estate": (150_000, 6_000_000),
    "financial": (50_000, 3_000_000),
    "after_sales": (300, 20_000),
    "marketing": (10_000, 200_000),
    "other": (5_000, 100_000),
}
NEXT_STEPS = [
    "发送报价单", "安排上门演示", "确认采购预算", "约见决策人", "寄送样品",
    "跟进合同审批", "准备技术方案", "邀请参观展厅", "确认交付时间",
]  # fmt: skip
WON = ["价格有优势", "交付周期短", "老客户复购", "方案契合需求", "售后服务口碑好"]
LOST = ["预算不足", "选择了竞争对手", "项目暂停", "价格偏高", "决策人变更"]
#: how often each stage is drawn (every stage appears once before chance takes over)
STAGE_WEIGHTS = {"lead": 25, "qualified": 20, "proposal": 18, "negotiation": 12, "won": 15,
                 "lost": 10}  # fmt: skip


def _scenarios(customer_ids: Sequence[UUID]) -> dict[UUID, str]:
    found: dict[UUID, str] = {}
    for start in range(0, len(customer_ids), BATCH):
        chunk = customer_ids[start : start + BATCH]
        rows = Customer.objects.filter(pk__in=chunk).values_list("id", "template__scenario")
        found.update(rows)
    return found


def _owners(users: Sequence[User]) -> tuple[set[int], User | None]:
    """Who may own opportunities, and who takes those whose customer's owner may not (admin)."""
    workers = {u.pk for u in users if u.has_perm("pipeline.change_opportunity")}
    admin = next((u for u in users if role_of_cached(u) == roles.ADMIN), None)
    return workers, admin


def _path(stages: list[Stage], target: Stage, rng: random.Random) -> list[Stage]:
    """The stages a deal went through to reach ``target`` (open ones in order, then the close)."""
    open_ones = [s for s in stages if not s.closes]
    if not target.closes:
        return open_ones[: open_ones.index(target) + 1]
    return [*open_ones[: rng.randint(1, len(open_ones))], target]


def _amount(scenario: str, rng: random.Random) -> Decimal:
    low, high = AMOUNTS.get(scenario, AMOUNTS["other"])
    step = 100 if high > 10_000 else 10
    return Decimal(rng.randrange(low, high, step)).quantize(Decimal("0.01"))


def fill_demo(
    *,
    customers: list[tuple[UUID, int | None]],
    users: list[User],
    rng: random.Random,
    per_customer: float,
) -> int:
    """About ``per_customer`` opportunities per customer, in every stage; how many were made."""
    count = round(len(customers) * per_customer)
    if not count or not customers:
        return 0
    scenario_of = _scenarios([pk for pk, _owner in customers])
    stages: dict[str, list[Stage]] = {}
    for stage in Stage.objects.order_by("scenario", "position", "id"):
        stages.setdefault(stage.scenario, []).append(stage)
    workers, admin = _owners(users)
    keys = list(STAGE_WEIGHTS)
    cumulative = list(accumulate(STAGE_WEIGHTS.values()))
    now = timezone.now()
    made = 0
    for start in range(0, count, BATCH):
        deals: list[Opportunity] = []
        paths: list[list[tuple[Stage, datetime]]] = []
        for n in range(start, min(count, start + BATCH)):
            customer_id, owner_id = customers[rng.randrange(len(customers))]
            scenario = scenario_of.get(customer_id, "other")
            pipeline = stages.get(scenario) or stages["other"]
            key = keys[n] if n < len(keys) else rng.choices(keys, cum_weights=cumulative)[0]
            target = next(s for s in pipeline if s.key == key)
            steps = _path(pipeline, target, rng)
            moment = now - timedelta(days=rng.uniform(20, 240))
            timed = []
            for step in steps:
                timed.append((step, moment))
                moment = min(now, moment + timedelta(days=rng.uniform(1, 25)))
            changed = timed[-1][1]
            closed = target.closes
            deals.append(
                Opportunity(
                    customer_id=customer_id,
                    title=rng.choice(TITLES.get(scenario, TITLES["other"])),
                    amount=_amount(scenario, rng),
                    currency="CNY",
                    stage=target,
                    probability=target.probability,
                    expected_close=(changed + timedelta(days=rng.randint(10, 90))).date()
                    if not closed
                    else changed.date(),
                    next_step="" if closed else rng.choice(NEXT_STEPS),
                    won_reason=rng.choice(WON) if target.kind == Stage.Kind.WON else "",
                    lost_reason=rng.choice(LOST) if target.kind == Stage.Kind.LOST else "",
                    owner_id=owner_id if owner_id in workers else getattr(admin, "pk", None),
                    stage_changed_at=changed,
                    last_activity_at=changed,
                    closed_at=changed if closed else None,
                )
            )
            paths.append(timed)
        with transaction.atomic():
            Opportunity.objects.bulk_create(deals, batch_size=BATCH)
            StageChange.objects.bulk_create(
                [
                    StageChange(
                        opportunity_id=deal.pk,
                        customer_id=deal.customer_id,
                        from_stage=timed[i - 1][0] if i else None,
                        to_stage=step,
                        probability=step.probability,
                        changed_at=when,
                        changed_by_id=deal.owner_id,
                    )
                    for deal, timed in zip(deals, paths, strict=True)
                    for i, (step, when) in enumerate(timed)
                ],
                batch_size=BATCH,
            )
            record_entries(
                {
                    "customer_id": deal.customer_id,
                    "kind": TIMELINE_KIND,
                    "object_id": deal.pk,
                    "occurred_at": deal.stage_changed_at,
                    "summary": timeline_summary(deal),
                }
                for deal in deals
            )
        made += len(deals)
    return made
