"""Demo interactions: calls, WeChat chats, visits and notes in Chinese, written in bulk.

Not through the per-row service: a demo of 100,000 customers makes hundreds of thousands of
rows. The rows are built here, inserted with ``bulk_create`` (their texts encrypted as the
model field does it), their timeline entries with ``record_entries``, and the customers'
figures recounted once with ``refresh_figures``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.activity.figures import refresh_figures
from dossier.activity.services import record_entries
from dossier.interactions.models import Channel, Direction, Interaction, Outcome
from dossier.interactions.services import FIGURES, TIMELINE_KIND, summary_of

BATCH = 2000
#: how far back the history goes
DAYS = 720

CHANNELS = [
    (Channel.PHONE, 30),
    (Channel.HOTLINE, 15),
    (Channel.WECHAT, 22),
    (Channel.LIVE_CHAT, 8),
    (Channel.EMAIL, 4),
    (Channel.SMS, 4),
    (Channel.VISIT, 5),
    (Channel.MEETING, 3),
    (Channel.SOCIAL, 2),
    (Channel.NOTE, 7),
]
#: what customers call about, and what staff call them about
INBOUND = [
    ("咨询退货", "客户想退回上周购买的{item}，已说明七天无理由退货流程。"),
    ("投诉物流慢", "客户反映{item}下单五天仍未发货，已催促仓库并承诺今日回复。"),
    ("查询订单状态", "客户查询{item}的配送进度，告知预计明天送达。"),
    ("咨询会员积分", "客户询问积分兑换规则，已说明积分可抵扣现金。"),
    ("询问发票开具", "客户需要为{item}开具增值税专用发票，已登记开票信息。"),
    ("反映商品质量问题", "客户反映{item}使用三天出现故障，建议先寄回检测。"),
    ("预约上门安装", "客户预约周六上午安装{item}，已派单给师傅。"),
    ("咨询优惠活动", "客户询问店庆活动是否可以叠加优惠券，已解释规则。"),
]
OUTBOUND = [
    ("回访满意度", "回访{item}的使用情况，客户表示整体满意。"),
    ("新品推荐", "向客户介绍新款{item}，客户表示需要再考虑。"),
    ("会员日活动通知", "通知客户本周六会员日双倍积分，客户表示会到店。"),
    ("确认收货地址", "与客户确认{item}的收货地址和收货时间。"),
    ("催付尾款", "提醒客户支付{item}订单尾款，客户承诺本周内付清。"),
    ("生日关怀", "致电祝客户生日快乐，并告知生日礼券已发放。"),
    ("售后跟进", "跟进{item}维修进度，已告知客户预计完成时间。"),
]
NOTES = [
    "客户偏好微信联系，工作日晚上七点后方便接听。",
    "老客户，对价格较敏感，推荐时优先介绍活动款。",
    "客户上次投诉已妥善处理，注意沟通语气。",
    "客户计划下月换购，可提前准备方案。",
    "客户要求不要在午休时间致电。",
]
ITEMS = [
    "羽绒服",
    "空气净化器",
    "扫地机器人",
    "电饭煲",
    "运动鞋",
    "婴儿推车",
    "蓝牙耳机",
    "茶具套装",
]
NEXT_STEPS = ["明天上午回电确认", "三天后再次跟进", "寄送退货单", "安排师傅上门", "发送优惠券"]
OUTCOMES = [
    (Outcome.RESOLVED, 45),
    (Outcome.FOLLOW_UP, 20),
    (Outcome.NO_ANSWER, 10),
    (Outcome.VOICEMAIL, 5),
    (Outcome.NOT_INTERESTED, 8),
    (Outcome.ESCALATED, 2),
    ("", 10),
]
VOICE = {Channel.PHONE, Channel.HOTLINE, Channel.WECHAT, Channel.LIVE_CHAT}
FACE_TO_FACE = {Channel.VISIT, Channel.MEETING}


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def how_many(rng: random.Random, per_customer: float) -> int:
    """A count around ``per_customer`` (some customers have none, some twice as many)."""
    return int(rng.uniform(0, 2 * per_customer) + 0.5)


def _row(rng: random.Random, customer_id: UUID, staff_id: int | None, now: datetime) -> Interaction:
    channel = _pick(rng, CHANNELS)
    when = now - timedelta(seconds=rng.randint(600, DAYS * 86400))
    row = Interaction(customer_id=customer_id, channel=channel, occurred_at=when, staff_id=staff_id)
    if channel == Channel.NOTE:
        row.direction, row.notes = Direction.INTERNAL, rng.choice(NOTES)
        return row
    row.direction = Direction.INBOUND if rng.random() < 0.45 else Direction.OUTBOUND
    subject, notes = rng.choice(INBOUND if row.direction == Direction.INBOUND else OUTBOUND)
    row.subject, row.notes = subject, notes.format(item=rng.choice(ITEMS))
    row.outcome = _pick(rng, OUTCOMES)
    if row.outcome == Outcome.FOLLOW_UP:
        row.next_step = rng.choice(NEXT_STEPS)
    if channel in VOICE:
        row.duration_seconds = int(min(3600, rng.lognormvariate(5.2, 0.7)))
    elif channel in FACE_TO_FACE:
        row.duration_seconds = rng.randint(15, 120) * 60
    return row


def fill_demo(
    *,
    customers: list[tuple[UUID, int | None]],
    users: list[User],
    rng: random.Random,
    per_customer: float,
) -> int:
    """About ``per_customer`` interactions for each customer, logged by their owner (or a
    colleague); returns how many were written."""
    staff = [u.pk for u in users]
    now = timezone.now()
    written = 0
    for start in range(0, len(customers), BATCH):
        chunk = customers[start : start + BATCH]
        rows = [
            _row(rng, customer_id, owner_id or (rng.choice(staff) if staff else None), now)
            for customer_id, owner_id in chunk
            for _n in range(how_many(rng, per_customer))
        ]
        with transaction.atomic():
            Interaction.objects.bulk_create(rows, batch_size=1000)
            record_entries(
                {
                    "customer_id": row.customer_id,
                    "kind": TIMELINE_KIND,
                    "object_id": row.pk,
                    "occurred_at": row.occurred_at,
                    "summary": summary_of(row),
                }
                for row in rows
            )
            # only the customers given rows: the others' figures have nothing new to count
            refresh_figures({row.customer_id for row in rows}, sources=[FIGURES])
        written += len(rows)
    return written
