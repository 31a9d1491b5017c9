"""The demo's feedback and survey answers: realistic spreads, timeline, figures consistent."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.feedback.demo import SURVEY_TITLE, fill_demo
from dossier.feedback.models import Feedback, Survey, SurveyResponse
from dossier.feedback.selectors import summarise

pytestmark = pytest.mark.django_db


def test_the_demo_fills_feedback_and_answers_with_their_timeline_and_figures(
    owner: Any, make_customer: Any
) -> None:
    pairs = [(c.pk, c.owner_id) for c in (make_customer(owner) for _n in range(60))]
    written = fill_demo(customers=pairs, users=[owner], rng=random.Random(11), per_customer=3)
    answers = SurveyResponse.objects.count()
    assert written == Feedback.objects.count() + answers and answers > 5
    assert TimelineEntry.objects.filter(kind="feedback").count() == Feedback.objects.count()
    assert TimelineEntry.objects.filter(kind="survey").count() == answers
    kinds = Counter(Feedback.objects.values_list("kind", flat=True))
    assert kinds["praise"] > 0 and kinds["complaint"] > 0 and kinds["suggestion"] > 0
    complaints = Feedback.objects.filter(kind="complaint", csat__isnull=False)
    praise = Feedback.objects.filter(kind="praise", csat__isnull=False)
    assert max(c.csat for c in complaints) <= 4 and min(p.csat for p in praise) >= 4
    done = Feedback.objects.filter(status__in=["resolved", "closed"])
    assert done.exists() and all(row.resolution for row in done)
    assert all(not row.resolution for row in Feedback.objects.filter(status="new"))
    survey = Survey.objects.get(title=SURVEY_TITLE)
    summary = summarise(survey, SurveyResponse.objects.all())
    assert summary["responses"] == answers and 1 <= summary["average_csat"] <= 5
    assert summary["nps_score"] is not None
    assert CustomerFigures.objects.filter(complaint_count__gt=0).exists()
    assert verify() == []


def test_a_second_demo_run_reuses_the_survey(owner: Any, make_customer: Any) -> None:
    pairs = [(make_customer(owner).pk, owner.pk)]
    fill_demo(customers=pairs, users=[owner], rng=random.Random(1), per_customer=1)
    fill_demo(customers=pairs, users=[owner], rng=random.Random(2), per_customer=1)
    assert Survey.objects.filter(title=SURVEY_TITLE).count() == 1
    assert verify() == []
