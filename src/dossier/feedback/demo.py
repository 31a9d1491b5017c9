"""Demo feedback and survey answers: complaints, suggestions and praise in Chinese with
realistic CSAT and NPS spreads, and a 回访 survey answered by part of the customers.

Written in bulk (``bulk_create``, ``record_entries``, one ``refresh_figures`` per batch), not
row by row through the services: a large demo makes hundreds of thousands of rows.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from dossier.activity.figures import refresh_figures
from dossier.activity.services import record_entries
from dossier.core.actors import system_actor
from dossier.feedback.models import Feedback, Kind, Status, Survey, SurveyResponse
from dossier.feedback.services import FIGURES, TIMELINE_KIND, create_survey
from dossier.feedback.services.feedback import summary_of
from dossier.feedback.services.surveys import TIMELINE_KIND as SURVEY_KIND
from dossier.feedback.services.surveys import response_summary

BATCH = 2000
DAYS = 540
SURVEY_TITLE = "售后回访满意度调查"
SURVEY_QUESTIONS = [
    {"key": "satisfaction", "type": "csat", "text_zh": "您对本次购物和服务满意吗？",
     "text_en": "How satisfied are you with your purchase and our service?", "required": True},
    {"key": "recommend", "type": "nps", "text_zh": "您有多大可能向亲友推荐我们？",
     "text_en": "How likely are you to recommend us to friends and family?"},
    {"key": "heard_from", "type": "choice", "text_zh": "您是通过什么渠道了解我们的？",
     "text_en": "How did you hear about us?",
     "choices": [
         {"value": "friend", "label_zh": "亲友推荐", "label_en": "Friends"},
         {"value": "wechat", "label_zh": "微信公众号", "label_en": "WeChat"},
         {"value": "store", "label_zh": "路过门店", "label_en": "Passing a store"},
         {"value": "ad", "label_zh": "广告", "label_en": "Advertising"},
     ]},
    {"key": "comment", "type": "text", "text_zh": "您还有什么建议？",
     "text_en": "Anything else you would like to tell us?"},
]  # fmt: skip

TEXTS = {
    Kind.COMPLAINT: [
        "投诉物流慢：下单一周还没收到{item}，客服电话一直占线。",
        "收到的{item}外包装破损，要求换货。",
        "门店导购态度冷淡，询问{item}尺码时没人理。",
        "{item}使用不到一个月就坏了，维修等了十天。",
        "会员积分没有按活动规则到账。",
    ],
    Kind.SUGGESTION: [
        "希望小程序可以显示{item}的库存。",
        "建议周末延长门店营业时间。",
        "希望增加夜间配送时段。",
        "会员日的活动可以提前一周通知。",
    ],
    Kind.PRAISE: [
        "安装师傅很专业，{item}装得又快又好。",
        "客服小王耐心解答问题，点赞！",
        "{item}质量很好，已经推荐给朋友。",
        "退货流程很顺畅，当天就退款了。",
    ],
}
RESOLUTIONS = [
    "已致电客户道歉并补发，赠送20元优惠券。",
    "已为客户办理换货，顺丰加急寄出。",
    "已转门店店长处理，并对导购进行培训。",
    "已补发积分，并向客户说明原因。",
    "已记录建议并转交产品部门评估。",
]
COMMENTS = ["希望多一些会员活动", "送货师傅很准时", "价格可以再优惠一点", "门店环境很好"]
ITEMS = ["羽绒服", "空气净化器", "扫地机器人", "电饭煲", "运动鞋", "婴儿推车", "蓝牙耳机"]
KINDS = [(Kind.PRAISE, 45), (Kind.SUGGESTION, 25), (Kind.COMPLAINT, 30)]
CSAT = {
    Kind.COMPLAINT: [(1, 35), (2, 35), (3, 25), (4, 5)],
    Kind.SUGGESTION: [(3, 30), (4, 50), (5, 20)],
    Kind.PRAISE: [(4, 30), (5, 70)],
}
NPS = {
    Kind.COMPLAINT: [(0, 10), (2, 15), (4, 25), (6, 30), (7, 15), (8, 5)],
    Kind.SUGGESTION: [(5, 10), (7, 35), (8, 35), (9, 20)],
    Kind.PRAISE: [(8, 15), (9, 40), (10, 45)],
}
#: how old feedback has usually moved on
STATUSES = [(Status.NEW, 8), (Status.ACKNOWLEDGED, 12), (Status.RESOLVED, 35), (Status.CLOSED, 45)]
SURVEY_CSAT = [(1, 4), (2, 6), (3, 15), (4, 35), (5, 40)]
SURVEY_NPS = [(n, w) for n, w in zip(range(11), (2, 1, 2, 3, 4, 6, 7, 12, 18, 22, 23), strict=True)]


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _feedback(
    rng: random.Random, customer_id: UUID, staff_id: int | None, now: datetime
) -> Feedback:
    kind = _pick(rng, KINDS)
    received = now - timedelta(seconds=rng.randint(600, DAYS * 86400))
    # recent feedback is more often still open
    status = Status.NEW if (now - received).days < 3 else _pick(rng, STATUSES)
    done = status in (Status.RESOLVED, Status.CLOSED)
    return Feedback(
        customer_id=customer_id,
        kind=kind,
        text=rng.choice(TEXTS[kind]).format(item=rng.choice(ITEMS)),
        csat=_pick(rng, CSAT[kind]) if rng.random() < 0.6 else None,
        nps=_pick(rng, NPS[kind]) if rng.random() < 0.3 else None,
        status=status,
        resolution=rng.choice(RESOLUTIONS) if done else "",
        order_ref=f"SO{received:%Y%m%d}{rng.randint(1000, 9999)}" if rng.random() < 0.4 else "",
        received_at=received,
        recorded_by_id=staff_id,
        resolved_at=received + timedelta(hours=rng.randint(2, 96)) if done else None,
        resolved_by_id=staff_id if done else None,
    )


def _response(
    rng: random.Random, survey: Survey, customer_id: UUID, staff_id: int | None, now: datetime
) -> SurveyResponse:
    answers: dict[str, Any] = {"satisfaction": _pick(rng, SURVEY_CSAT)}
    if rng.random() < 0.8:
        answers["recommend"] = _pick(rng, SURVEY_NPS)
    if rng.random() < 0.6:
        answers["heard_from"] = rng.choice(["friend", "wechat", "store", "ad"])
    written = {"comment": rng.choice(COMMENTS)} if rng.random() < 0.3 else {}
    return SurveyResponse(
        survey=survey,
        customer_id=customer_id,
        answers=answers,
        text_answers=cast(Any, written),  # an EncryptedJSONField holds a dict
        csat=answers["satisfaction"],
        nps=answers.get("recommend"),
        submitted_at=now - timedelta(seconds=rng.randint(600, 180 * 86400)),
        recorded_by_id=staff_id,
    )


def demo_survey() -> Survey:
    """The demo's 回访 survey (made once, through the service)."""
    found = Survey.objects.filter(title=SURVEY_TITLE).order_by("id").first()
    if found is not None:
        return found
    return create_survey(actor=system_actor("demo"), title=SURVEY_TITLE, questions=SURVEY_QUESTIONS)


def fill_demo(
    *,
    customers: list[tuple[UUID, int | None]],
    users: list[User],
    rng: random.Random,
    per_customer: float,
) -> int:
    """About ``per_customer`` pieces of feedback per customer, and survey answers from about a
    third of them; returns how many rows were written."""
    staff = [u.pk for u in users]
    survey = demo_survey()
    now = timezone.now()
    written = 0
    for start in range(0, len(customers), BATCH):
        chunk = customers[start : start + BATCH]
        feedback: list[Feedback] = []
        answers: list[SurveyResponse] = []
        for customer_id, owner_id in chunk:
            staff_id = owner_id or (rng.choice(staff) if staff else None)
            count = int(rng.uniform(0, 2 * per_customer) + 0.5)
            feedback += [_feedback(rng, customer_id, staff_id, now) for _n in range(count)]
            if rng.random() < 0.35:
                answers.append(_response(rng, survey, customer_id, staff_id, now))
        with transaction.atomic():
            Feedback.objects.bulk_create(feedback, batch_size=1000)
            SurveyResponse.objects.bulk_create(answers, batch_size=1000)
            entries = [
                {
                    "customer_id": row.customer_id,
                    "kind": TIMELINE_KIND,
                    "object_id": row.pk,
                    "occurred_at": row.received_at,
                    "summary": summary_of(row),
                }
                for row in feedback
            ]
            entries += [
                {
                    "customer_id": row.customer_id,
                    "kind": SURVEY_KIND,
                    "object_id": row.pk,
                    "occurred_at": row.submitted_at,
                    "summary": response_summary(row, survey.title),
                }
                for row in answers
            ]
            record_entries(entries)
            # only the customers given rows: the others' figures have nothing new to count
            touched = {row.customer_id for row in feedback} | {r.customer_id for r in answers}
            refresh_figures(touched, sources=[FIGURES])
        written += len(feedback) + len(answers)
    return written
