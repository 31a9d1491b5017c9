"""Reading feedback, surveys and answers. Feedback and answers belong to customers: only those
of customers the actor may see, and only for those who may read personal data (what a
customer wrote cannot be masked). Survey questions are no one's data: every role reads them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.fields.json import KT
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.core.keyset import page_after
from dossier.customers.access import customer_for, may, restrict_owned
from dossier.feedback.models import Feedback, Survey, SurveyResponse
from dossier.feedback.questions import nps_score
from dossier.protection.disclosure import may_see_personal

MAX_PAGE_SIZE = 200


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


@dataclass
class FeedbackFilters:
    kind: str = ""
    status: str = ""
    customer_id: Any = None


def _refuse_unless_personal(actor: MaybeActor) -> None:
    if not may_see_personal(actor):
        raise PermissionDenied(_("You may not read customers' feedback."))


def _is_id(value: Any) -> bool:
    text = str(value)
    return text.isdecimal() and text.isascii() and 0 < int(text) < 2**63


def feedback_for(
    actor: MaybeActor, feedback_id: Any, action: str = "view", *, lock: bool = False
) -> Feedback:
    """One feedback the actor may ``action``: 404 if its customer is unseen, else 403."""
    rows: QuerySet[Feedback] = Feedback.objects.select_related(
        "customer", "recorded_by", "resolved_by"
    )
    if lock:
        rows = rows.select_for_update(of=("self",))
    found = None
    if _is_id(feedback_id):
        found = restrict_owned(rows, actor, action).filter(pk=feedback_id).first()
        if found is None and action != "view":
            seen = restrict_owned(Feedback.objects.all(), actor, "view")
            if seen.filter(pk=feedback_id).exists():
                raise PermissionDenied(_("You may not change this customer."))
    if found is None:
        raise NotFound(_("No such feedback."), code="feedback_not_found")
    _refuse_unless_personal(actor)
    return found


def feedback_list(
    *,
    actor: MaybeActor,
    filters: FeedbackFilters | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """Feedback of the customers the actor may see (a manager: the team's), newest first."""
    filters = filters or FeedbackFilters()
    _refuse_unless_personal(actor)
    rows = Feedback.objects.select_related("customer")
    if filters.customer_id:
        rows = rows.filter(customer_id=customer_for(actor, filters.customer_id).pk)
    else:
        rows = restrict_owned(rows, actor, "view")
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status:
        rows = rows.filter(status=filters.status)
    items, next_cursor = page_after(
        rows, cursor, time_field="received_at", limit=max(1, min(limit, MAX_PAGE_SIZE))
    )
    return Page(items=items, next_cursor=next_cursor)


def feedback_for_timeline(actor: MaybeActor, ids: Sequence[str]) -> dict[str, Feedback]:
    """The rows behind timeline entries that the actor may read."""
    if not may_see_personal(actor):
        return {}
    wanted = [int(pk) for pk in ids if _is_id(pk)]
    rows = restrict_owned(Feedback.objects.all(), actor, "view").filter(pk__in=wanted)
    return {str(row.pk): row for row in rows}


# ---- surveys -------------------------------------------------------------------------------


def _refuse_unless_surveys(actor: MaybeActor) -> None:
    if not may(actor, "feedback.view_survey"):
        raise PermissionDenied(_("You may not see surveys."))


def survey_list(*, actor: MaybeActor) -> list[Survey]:
    """Every survey, newest first."""
    _refuse_unless_surveys(actor)
    return list(Survey.objects.order_by("-created_at", "-id"))


def survey_for(actor: MaybeActor, survey_id: Any) -> Survey:
    _refuse_unless_surveys(actor)
    found = Survey.objects.filter(pk=survey_id).first() if _is_id(survey_id) else None
    if found is None:
        raise NotFound(_("No such survey."), code="survey_not_found")
    return found


def summarise(survey: Survey, rows: QuerySet[SurveyResponse]) -> dict[str, Any]:
    """Counts, average CSAT, NPS score and each choice's count over these responses."""
    totals = rows.aggregate(
        responses=Count("id"),
        csat_answers=Count("csat"),
        average_csat=Avg("csat"),
        nps_answers=Count("nps"),
        promoters=Count("id", filter=Q(nps__gte=9)),
        detractors=Count("id", filter=Q(nps__lte=6)),
    )
    average = totals["average_csat"]
    choices: dict[str, dict[str, int]] = {}
    for question in survey.questions:
        if question["type"] != "choice":
            continue
        key = question["key"]
        counted = {c["value"]: 0 for c in question.get("choices", [])}
        picked = rows.exclude(**{f"answers__{key}__isnull": True})
        for row in picked.values(picked=KT(f"answers__{key}")).annotate(n=Count("id")):
            if row["picked"] in counted:
                counted[row["picked"]] = row["n"]
        choices[key] = counted
    return {
        "responses": totals["responses"],
        "csat_answers": totals["csat_answers"],
        "average_csat": round(float(average), 1) if average is not None else None,
        "nps_answers": totals["nps_answers"],
        "promoters": totals["promoters"],
        "passives": totals["nps_answers"] - totals["promoters"] - totals["detractors"],
        "detractors": totals["detractors"],
        "nps_score": nps_score(totals["promoters"], totals["detractors"], totals["nps_answers"]),
        "choices": choices,
    }


@dataclass
class ResponsePage(Page):
    survey: Survey
    summary: dict[str, Any]


def survey_responses(
    *, actor: MaybeActor, survey_id: Any, cursor: str | None = None, limit: int = 50
) -> ResponsePage:
    """A survey's answers from customers the actor may see, with their summary."""
    survey = survey_for(actor, survey_id)
    _refuse_unless_personal(actor)
    rows = restrict_owned(SurveyResponse.objects.filter(survey=survey), actor, "view")
    items, next_cursor = page_after(
        rows.select_related("customer"),
        cursor,
        time_field="submitted_at",
        limit=max(1, min(limit, MAX_PAGE_SIZE)),
    )
    return ResponsePage(
        items=items, next_cursor=next_cursor, survey=survey, summary=summarise(survey, rows)
    )


def responses_for_timeline(actor: MaybeActor, ids: Sequence[str]) -> dict[str, SurveyResponse]:
    """The answers behind timeline entries that the actor may read."""
    if not may_see_personal(actor):
        return {}
    wanted = [int(pk) for pk in ids if _is_id(pk)]
    rows = restrict_owned(SurveyResponse.objects.select_related("survey"), actor, "view")
    return {str(row.pk): row for row in rows.filter(pk__in=wanted)}
