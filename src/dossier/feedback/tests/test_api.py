"""/api/v1/feedback and /api/v1/surveys: the workflows, and every refusal in the one shape."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.activity.figures import verify
from dossier.feedback.models import Feedback, Survey, SurveyResponse
from dossier.feedback.tests.conftest import QUESTIONS
from dossier.followups.models import Task

pytestmark = pytest.mark.django_db


def _complaint(customer: Any, **values: Any) -> dict[str, Any]:
    return {"customer_id": str(customer.pk), "kind": "complaint", "text": "投诉物流慢", **values}


def test_record_read_list_acknowledge_and_resolve(api_as: Any, owner: Any, customer: Any) -> None:
    api = api_as(owner)
    created = api.post("/feedback", _complaint(customer, csat=2, order_ref="JD-88"))
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["kind"], data["status"], data["text"], data["recorded_by"]) == (
        "complaint",
        "new",
        "投诉物流慢",
        "li.na",
    )
    assert Task.objects.filter(cause_kind="feedback", cause_id=str(data["id"])).exists()
    path = f"/feedback/{data['id']}"
    assert api.get(path).json() == data
    assert api.post(f"{path}/acknowledge").json()["status"] == "acknowledged"
    resolved = api.post(f"{path}/resolve", {"resolution": "补发并致歉"})
    assert (resolved.json()["status"], resolved.json()["resolution"]) == ("resolved", "补发并致歉")
    again = api.post(f"{path}/acknowledge")
    assert again.status_code == 422
    assert [(e["field"], e["code"]) for e in again.json()["errors"]] == [
        ("status", "status_change_not_allowed")
    ]
    listed = api.get("/feedback?kind=complaint&status=resolved").json()
    assert [item["id"] for item in listed["items"]] == [data["id"]]
    assert api.get("/feedback?kind=praise").json()["items"] == []
    assert api.get("/feedback?status=lost").status_code == 422
    assert verify() == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"csat": 0}, "csat"),
        ({"csat": 6}, "csat"),
        ({"nps": 11}, "nps"),
        ({"nps": -1}, "nps"),
        ({"text": "慢" * 4001}, "text"),
        ({"kind": "rant"}, "kind"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_nothing_is_written(
    api_as: Any, owner: Any, customer: Any, values: dict[str, Any], field: str
) -> None:
    response = api_as(owner).post("/feedback", _complaint(customer, **values))
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not Feedback.objects.exists() and not Task.objects.exists()


def test_who_may_not(
    api_as: Any, owner: Any, customer: Any, stranger: Any, marketer: Any, analyst: Any
) -> None:
    row = api_as(owner).post("/feedback", _complaint(customer)).json()
    path = f"/feedback/{row['id']}"
    for user, status in ((stranger, 404), (analyst, 404), (marketer, 403)):
        api = api_as(user)
        assert api.post("/feedback", _complaint(customer)).status_code == status
        assert api.get(path).status_code == status
        assert api.post(f"{path}/resolve", {"resolution": "不该写入"}).status_code == status
    assert api_as(marketer).get("/feedback").status_code == 403
    assert api_as(analyst).get("/feedback").status_code == 403
    assert api_as(stranger).get("/feedback").json()["items"] == []
    assert Feedback.objects.count() == 1 and Feedback.objects.get().status == "new"


def test_a_read_only_token_reads_but_writes_nothing(api_as: Any, owner: Any, customer: Any) -> None:
    row = api_as(owner).post("/feedback", _complaint(customer)).json()
    reader = api_as(owner, scope="read")
    assert reader.get(f"/feedback/{row['id']}").status_code == 200
    for path, body in (
        ("/feedback", _complaint(customer)),
        (f"/feedback/{row['id']}/resolve", {"resolution": "只读"}),
    ):
        refused = reader.post(path, body)
        assert (refused.status_code, refused.json()["code"]) == (403, "token_read_only")
    assert Feedback.objects.count() == 1


def test_a_survey_is_created_answered_and_summarised(
    api_as: Any, manager: Any, owner: Any, customer: Any
) -> None:
    created = api_as(manager).post("/surveys", {"title": "售后回访", "questions": QUESTIONS})
    assert created.status_code == 201, created.content
    survey = created.json()
    assert [q["key"] for q in survey["questions"]] == [q["key"] for q in QUESTIONS]
    assert api_as(owner).get("/surveys").json()[0]["id"] == survey["id"]
    path = f"/surveys/{survey['id']}/responses"
    answered = api_as(owner).post(
        path,
        {"customer_id": str(customer.pk), "answers": {"satisfaction": 5, "comment": "很好"}},
    )
    assert answered.status_code == 201, answered.content
    assert answered.json()["answers"] == {"satisfaction": 5, "comment": "很好"}
    results = api_as(manager).get(path).json()
    assert results["summary"]["responses"] == 1
    assert results["summary"]["average_csat"] == 5.0
    assert results["items"][0]["answers"]["comment"] == "很好"
    assert verify() == []


def test_a_bad_answer_is_422_naming_the_question_key(
    api_as: Any, owner: Any, customer: Any, survey: Survey
) -> None:
    path = f"/surveys/{survey.pk}/responses"
    for answers, field in (
        ({"satisfaction": 4, "mood": "good"}, "answers.mood"),
        ({"satisfaction": 6}, "answers.satisfaction"),
        ({"satisfaction": 3, "recommend": 11}, "answers.recommend"),
    ):
        response = api_as(owner).post(path, {"customer_id": str(customer.pk), "answers": answers})
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == [field]
    assert not SurveyResponse.objects.exists()


def test_survey_rights(
    api_as: Any, owner: Any, customer: Any, survey: Survey, marketer: Any, analyst: Any
) -> None:
    body = {"title": "问卷", "questions": QUESTIONS}
    for user in (owner, marketer, analyst):
        assert api_as(user).post("/surveys", body).status_code == 403
        assert api_as(user).get(f"/surveys/{survey.pk}").status_code == 200
    responses = f"/surveys/{survey.pk}/responses"
    assert api_as(marketer).get(responses).status_code == 403
    answer = {"customer_id": str(customer.pk), "answers": {"satisfaction": 5}}
    assert api_as(marketer).post(responses, answer).status_code == 403
    assert api_as(analyst).post(responses, answer).status_code == 404
    assert api_as(owner).get("/surveys/999999").status_code == 404
    assert Survey.objects.count() == 1 and not SurveyResponse.objects.exists()
