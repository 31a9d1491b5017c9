"""The role matrix's rows for feedback and surveys (collected by site/tests/test_role_matrix.py).

Feedback follows its customer like interactions do (marketing 403, analysts and other teams
404). Survey questions are no one's data: every role reads them, managers and admins create
them; customers' answers are read by those who may read personal data, over the customers
each may see.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.feedback.models import Feedback, Survey
from dossier.feedback.services import create_survey, record_feedback
from dossier.site.tests.matrix_fixtures import ACTORS, PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
LOGIN, REDIRECT, PAGE = "login", "302", "200"
ALL_OK = (OK,) * len(ACTORS)
BY_CUSTOMER = (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN)
#: lists over the customers one may see: the outsider's (in scope, empty) too
READERS = (OK, OK, OK, OK, DENIED, DENIED, OK)
MANAGERS = (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED)
QUESTIONS = [
    {"key": "satisfaction", "type": "csat", "text_zh": "您对本次服务满意吗？"},
    {"key": "recommend", "type": "nps", "text_zh": "您会向朋友推荐我们吗？"},
]


def _feedback(world: World, actor: str, *, fresh: bool = False) -> Feedback:
    customer = world.target(actor)
    key = f"feedback:{customer.pk}"
    if fresh or key not in world.made:
        row = record_feedback(
            actor=world.users["admin"],
            customer_id=customer.pk,
            kind="suggestion",
            text="希望增加夜间配送",
            csat=4,
        )
        if fresh:
            return row
        world.made[key] = row
    found: Feedback = world.made[key]
    return found


def _survey(world: World) -> Survey:
    if "survey" not in world.made:
        world.made["survey"] = create_survey(
            actor=world.users["admin"], title="矩阵回访问卷", questions=QUESTIONS
        )
    found: Survey = world.made["survey"]
    return found


API: dict[str, tuple[str, ...]] = {
    "POST /feedback": BY_CUSTOMER,
    "GET /feedback": READERS,
    "GET /feedback/{feedback_id}": BY_CUSTOMER,
    "POST /feedback/{feedback_id}/acknowledge": BY_CUSTOMER,
    "POST /feedback/{feedback_id}/resolve": BY_CUSTOMER,
    "POST /surveys": MANAGERS,
    "GET /surveys": ALL_OK,
    "GET /surveys/{survey_id}": ALL_OK,
    "POST /surveys/{survey_id}/responses": BY_CUSTOMER,
    "GET /surveys/{survey_id}/responses": READERS,
}

API_CALLS: dict[str, Any] = {
    "POST /feedback": lambda w, a: (
        "/feedback",
        {"customer_id": str(w.target(a).pk), "kind": "praise", "csat": 5, "text": "服务好"},
    ),
    "GET /feedback": lambda w, a: ("/feedback", None),
    "GET /feedback/{feedback_id}": lambda w, a: (f"/feedback/{_feedback(w, a).pk}", None),
    "POST /feedback/{feedback_id}/acknowledge": lambda w, a: (
        f"/feedback/{_feedback(w, a, fresh=True).pk}/acknowledge",
        None,
    ),
    "POST /feedback/{feedback_id}/resolve": lambda w, a: (
        f"/feedback/{_feedback(w, a, fresh=True).pk}/resolve",
        {"resolution": "已转产品部评估"},
    ),
    "POST /surveys": lambda w, a: ("/surveys", {"title": f"问卷-{a}", "questions": QUESTIONS}),
    "GET /surveys": lambda w, a: ("/surveys", None),
    "GET /surveys/{survey_id}": lambda w, a: (f"/surveys/{_survey(w).pk}", None),
    "POST /surveys/{survey_id}/responses": lambda w, a: (
        f"/surveys/{_survey(w).pk}/responses",
        {"customer_id": str(w.target(a).pk), "answers": {"satisfaction": 5, "recommend": 9}},
    ),
    "GET /surveys/{survey_id}/responses": lambda w, a: (
        f"/surveys/{_survey(w).pk}/responses",
        None,
    ),
}


def _change_page(world: World, actor: str) -> PageCall:
    row = _feedback(world, actor, fresh=True)
    return PageCall(
        reverse("feedback:change", args=[row.pk]),
        {"status": "acknowledged"},
        lambda: Feedback.objects.get(pk=row.pk).status == "acknowledged",
    )


PAGES: dict[str, tuple[str, ...]] = {
    "GET feedback:list":    (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, PAGE),
    "GET feedback:detail":  (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, UNSEEN, UNSEEN),
    "POST feedback:change": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),
    "GET feedback:surveys": (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET feedback:survey":  (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, PAGE),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET feedback:list": lambda w, a: PageCall(reverse("feedback:list")),
    "GET feedback:detail": lambda w, a: PageCall(
        reverse("feedback:detail", args=[_feedback(w, a).pk])
    ),
    "POST feedback:change": _change_page,
    "GET feedback:surveys": lambda w, a: PageCall(reverse("feedback:surveys")),
    "GET feedback:survey": lambda w, a: PageCall(reverse("feedback:survey", args=[_survey(w).pk])),
}

PAGE_NAMESPACES = ("feedback",)
