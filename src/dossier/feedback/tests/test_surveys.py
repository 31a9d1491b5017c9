"""Surveys: questions checked when created, answers checked against them (each error names its
question), CSAT and NPS answers feed the figures, the summary counts what the reader may see."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from dossier.activity.figures import verify
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.feedback import selectors, services
from dossier.feedback.models import Survey, SurveyResponse
from dossier.feedback.questions import nps_score
from dossier.feedback.tests.conftest import QUESTIONS

pytestmark = pytest.mark.django_db


def _answer(actor: Any, survey: Survey, customer: Any, **answers: Any) -> SurveyResponse:
    return services.submit_response(
        actor=actor, survey_id=survey.pk, customer_id=customer.pk, answers=answers
    )


def test_a_survey_keeps_its_questions_in_both_languages(survey: Survey) -> None:
    keys = [(q["key"], q["type"]) for q in survey.questions]
    assert keys == [("satisfaction", "csat"), ("recommend", "nps"), ("channel", "choice"),
                    ("comment", "text")]  # fmt: skip
    csat = survey.questions[0]
    assert (csat["text_zh"], csat["text_en"], csat["required"]) == (
        "您对本次服务满意吗？",
        "您对本次服务满意吗？",  # no English given: the Chinese stands in
        True,
    )
    assert survey.questions[2]["choices"][1] == {
        "value": "wechat",
        "label_zh": "wechat",
        "label_en": "wechat",
    }


def test_only_managers_and_admins_create_surveys(
    owner: Any, marketer: Any, analyst: Any, admin_user: Any
) -> None:
    for user in (owner, marketer, analyst):
        with pytest.raises(PermissionDenied):
            services.create_survey(actor=user, title="问卷", questions=QUESTIONS)
    assert services.create_survey(actor=admin_user, title="问卷", questions=QUESTIONS).pk
    assert Survey.objects.count() == 1


@pytest.mark.parametrize(
    ("title", "questions", "expected"),
    [
        ("", QUESTIONS, [("title", "required")]),
        ("问卷", [], [("questions", "too_few_items")]),
        ("问卷", [{**QUESTIONS[0], "key": "9lives"}], [("questions.0.key", "pattern")]),
        ("问卷", [{**QUESTIONS[0], "type": "stars"}], [("questions.0.type", "invalid_choice")]),
        ("问卷", [{"key": "q", "type": "text"}], [("questions.0.text_zh", "required")]),
        (
            "问卷",
            [QUESTIONS[0], {**QUESTIONS[3], "key": "satisfaction"}],
            [("questions", "duplicate_question")],
        ),
        (
            "问卷",
            [QUESTIONS[0], {**QUESTIONS[0], "key": "again"}],
            [("questions", "question_type_twice")],
        ),
        (
            "问卷",
            [{"key": "pick", "type": "choice", "text_zh": "选一个", "choices": ["a"]}],
            [("questions.0.choices", "too_few_items")],
        ),
        (
            "问卷",
            [{"key": "pick", "type": "choice", "text_zh": "选一个", "choices": ["a", "a"]}],
            [("questions.0.choices", "duplicate_choice")],
        ),
    ],
)
def test_each_problem_in_a_survey_is_named(
    manager: Any, title: str, questions: list[Any], expected: list[tuple[str, str]]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_survey(actor=manager, title=title, questions=questions)
    assert [(e.field, e.code) for e in caught.value.errors] == expected
    assert not Survey.objects.exists()


def test_answers_are_stored_scored_and_on_the_timeline(
    owner: Any, customer: Any, survey: Survey
) -> None:
    row = _answer(owner, survey, customer, satisfaction=4, recommend=10, channel="friend",
                  comment="师傅很准时")  # fmt: skip
    assert (row.csat, row.nps) == (4, 10)
    assert row.answers == {"satisfaction": 4, "recommend": 10, "channel": "friend"}
    assert row.text_answers == {"comment": "师傅很准时"}
    entry = TimelineEntry.objects.get(kind="survey", object_id=str(row.pk))
    assert entry.summary == {"survey": "售后回访满意度", "survey_id": survey.pk, "csat": 4,
                             "nps": 10}  # fmt: skip
    figures = CustomerFigures.objects.get(pk=customer.pk)
    assert (figures.csat_total, figures.csat_count, figures.last_nps) == (4, 1, 10)
    assert verify() == []


def test_written_answers_are_ciphertext_in_the_database(
    owner: Any, customer: Any, survey: Survey
) -> None:
    row = _answer(owner, survey, customer, satisfaction=3, comment="希望周末也能上门")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT text_answers FROM {SurveyResponse._meta.db_table} WHERE id = %s",
            [row.pk],
        )
        [stored] = cursor.fetchone()
    assert stored and "周末" not in stored and "comment" not in stored


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"satisfaction": 3, "mood": "好"}, [("answers.mood", "unknown_question")]),
        ({"satisfaction": 0}, [("answers.satisfaction", "too_small")]),
        ({"satisfaction": 6}, [("answers.satisfaction", "too_large")]),
        ({"satisfaction": 4, "recommend": 11}, [("answers.recommend", "too_large")]),
        ({"satisfaction": 4, "recommend": 7.5}, [("answers.recommend", "invalid_integer")]),
        ({"satisfaction": 4, "channel": "tv"}, [("answers.channel", "invalid_choice")]),
        ({"satisfaction": 4, "comment": "长" * 2001}, [("answers.comment", "too_long")]),
        ({"recommend": 9}, [("answers.satisfaction", "required")]),
        ({}, [("answers", "required")]),
    ],
)
def test_each_bad_answer_names_its_question_and_nothing_is_written(
    owner: Any, customer: Any, survey: Survey, answers: dict[str, Any], expected: list[Any]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _answer(owner, survey, customer, **answers)
    assert [(e.field, e.code) for e in caught.value.errors] == expected
    assert not SurveyResponse.objects.exists() and not TimelineEntry.objects.exists()
    assert verify() == []


def test_answers_only_for_customers_the_actor_may_change(
    customer: Any, survey: Survey, stranger: Any, marketer: Any, analyst: Any
) -> None:
    for user, error in ((stranger, NotFound), (marketer, PermissionDenied)):
        with pytest.raises(error):
            _answer(user, survey, customer, satisfaction=5)
    with pytest.raises(NotFound):
        _answer(analyst, survey, customer, satisfaction=5)
    with pytest.raises(NotFound):
        services.submit_response(
            actor=stranger, survey_id=987654, customer_id=customer.pk, answers={"x": 1}
        )
    assert not SurveyResponse.objects.exists()


def test_the_summary_counts_scores_nps_and_choices_of_the_customers_one_may_see(
    owner: Any, customer: Any, survey: Survey, stranger: Any, manager: Any, make_customer: Any
) -> None:
    for csat, nps, channel in ((5, 10, "friend"), (4, 9, "friend"), (3, 7, "store"),
                               (2, 3, None), (1, 0, None)):  # fmt: skip
        answers = {"satisfaction": csat, "recommend": nps}
        if channel:
            answers["channel"] = channel
        _answer(owner, survey, make_customer(owner), **answers)
    _answer(stranger, survey, make_customer(stranger), satisfaction=5, recommend=10)
    summary = selectors.survey_responses(actor=manager, survey_id=survey.pk).summary
    assert summary["responses"] == 5
    assert summary["average_csat"] == 3.0
    assert (summary["promoters"], summary["passives"], summary["detractors"]) == (2, 1, 2)
    assert summary["nps_score"] == 0.0
    assert summary["choices"] == {"channel": {"friend": 2, "wechat": 0, "store": 1}}
    theirs = selectors.survey_responses(actor=stranger, survey_id=survey.pk)
    assert theirs.summary["responses"] == 1 and theirs.summary["nps_score"] == 100.0
    assert len(theirs.items) == 1
    assert verify() == []


def test_nps_score_is_promoters_less_detractors_in_percent() -> None:
    assert nps_score(promoters=6, detractors=1, total=10) == 50.0
    assert nps_score(promoters=1, detractors=2, total=3) == -33.3
    assert nps_score(promoters=0, detractors=0, total=0) is None


def test_reading_answers_needs_personal_data_access_and_reading_surveys_does_not(
    survey: Survey, marketer: Any, analyst: Any
) -> None:
    for user in (marketer, analyst):
        assert [s.pk for s in selectors.survey_list(actor=user)] == [survey.pk]
        with pytest.raises(PermissionDenied):
            selectors.survey_responses(actor=user, survey_id=survey.pk)
