"""Feedback and survey answers in the generic processes: the data-subject copy, erasure (what
was written goes, the figures stay) and merge; figures recounted from the rows."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.activity.figures import refresh_figures, verify
from dossier.activity.models import CustomerFigures
from dossier.customers.registry import repoint_customer_data
from dossier.feedback import services
from dossier.feedback.models import Feedback, Survey, SurveyResponse
from dossier.interactions.services import log_interaction
from dossier.privacy.data_export import export_customer_data
from dossier.privacy.erasure import erase_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(owner: Any, customer: Any, survey: Survey) -> dict[str, Any]:
    complaint = services.record_feedback(
        actor=owner,
        customer_id=customer.pk,
        kind="complaint",
        text="投诉物流慢：快递员电话 13800001111 打不通",
        csat=2,
        nps=4,
        order_ref="SO-1001",
    )
    services.resolve_feedback(actor=owner, feedback_id=complaint.pk, resolution="已联系快递公司")
    answer = services.submit_response(
        actor=owner,
        survey_id=survey.pk,
        customer_id=customer.pk,
        answers={"satisfaction": 4, "recommend": 8, "comment": "希望住在朝阳区的我也能次日达"},
    )
    call = log_interaction(
        actor=owner,
        customer_id=customer.pk,
        channel="phone",
        direction="outbound",
        subject="回访满意度",
        notes="客户表示满意",
    )
    return {"complaint": complaint, "answer": answer, "call": call}


def test_the_customers_copy_holds_feedback_answers_and_interactions(
    admin_user: Any, customer: Any, history: dict[str, Any]
) -> None:
    copy = export_customer_data(actor=admin_user, customer_id=customer.pk)
    [feedback] = copy["feedback"]
    assert feedback["text"].startswith("投诉物流慢")
    assert (feedback["resolution"], feedback["status"], feedback["csat"]) == (
        "已联系快递公司",
        "resolved",
        2,
    )
    [answers] = copy["survey_responses"]
    assert answers["survey"] == "售后回访满意度"
    assert {"question": "还有什么建议？", "answer": "希望住在朝阳区的我也能次日达"} in answers[
        "answers"
    ]
    assert {"question": "您对本次服务满意吗？", "answer": 4} in answers["answers"]
    assert copy["interactions"][0]["notes"] == "客户表示满意"


def test_erasure_blanks_what_was_written_and_keeps_scores_and_figures(
    admin_user: Any, customer: Any, history: dict[str, Any]
) -> None:
    before = CustomerFigures.objects.get(pk=customer.pk)
    erase_customer(actor=admin_user, customer_id=customer.pk)
    complaint = Feedback.objects.get(pk=history["complaint"].pk)
    assert (complaint.text, complaint.resolution) == ("", "")
    assert (complaint.kind, complaint.csat, complaint.nps, complaint.order_ref) == (
        "complaint",
        2,
        4,
        "SO-1001",
    )
    answer = SurveyResponse.objects.get(pk=history["answer"].pk)
    assert answer.text_answers == {} and answer.answers == {"satisfaction": 4, "recommend": 8}
    after = CustomerFigures.objects.get(pk=customer.pk)
    kept = ("complaint_count", "csat_total", "csat_count", "last_nps", "last_interaction_at")
    assert [getattr(after, n) for n in kept] == [getattr(before, n) for n in kept]
    assert (after.complaint_count, after.csat_total, after.csat_count) == (1, 6, 2)
    assert after.last_nps == 8  # the survey came last
    assert verify() == []


def test_a_merge_moves_feedback_and_answers_and_the_figures_follow(
    owner: Any, customer: Any, history: dict[str, Any], make_customer: Any
) -> None:
    survivor = make_customer(owner)
    services.record_feedback(actor=owner, customer_id=survivor.pk, kind="praise", csat=5)
    moved = repoint_customer_data(customer.pk, survivor.pk)
    assert moved[Feedback._meta.label] == 1 and moved[SurveyResponse._meta.label] == 1
    refresh_figures([customer.pk, survivor.pk])
    figures = CustomerFigures.objects.get(pk=survivor.pk)
    assert (figures.complaint_count, figures.csat_total, figures.csat_count) == (1, 11, 3)
    assert figures.last_nps == 8
    assert verify() == []


def test_drift_in_the_kept_figures_is_found(customer: Any, history: dict[str, Any]) -> None:
    CustomerFigures.objects.filter(pk=customer.pk).update(csat_count=7, last_nps=10)
    drift = verify()
    assert len(drift) == 2 and all(str(customer.pk) in line for line in drift)
    refresh_figures([customer.pk])
    assert verify() == []
