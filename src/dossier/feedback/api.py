"""REST endpoints of feedback (/api/v1/feedback) and surveys (/api/v1/surveys). Thin."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.keyset import TimeCursor
from dossier.core.schemas import ERRORS, OneOf, RecordId
from dossier.feedback import selectors, services
from dossier.feedback.models import Feedback, Kind, SurveyResponse
from dossier.feedback.models import Status as FeedbackStatus
from dossier.feedback.schemas import (
    AnswersIn,
    FeedbackIn,
    FeedbackOut,
    FeedbackPageOut,
    ResolveIn,
    ResponseOut,
    ResponsePageOut,
    SurveyIn,
    SurveyOut,
)

router = Router(tags=["feedback"])
surveys_router = Router(tags=["surveys"])
LIMIT = Query(50, ge=1, le=selectors.MAX_PAGE_SIZE)
#: filters no service checks: another value is refused here rather than finding nothing
KindFilter = Annotated[str, OneOf(("", *Kind.values), checked=True)]
StatusFilter = Annotated[str, OneOf(("", *FeedbackStatus.values), checked=True)]


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _feedback(row: Feedback) -> dict[str, Any]:
    return {
        "id": row.pk,
        "customer_id": str(row.customer_id),
        "kind": row.kind,
        "csat": row.csat,
        "nps": row.nps,
        "text": row.text,
        "status": row.status,
        "resolution": row.resolution,
        "order_ref": row.order_ref,
        "received_at": row.received_at,
        "recorded_by": _name(row.recorded_by),
        "resolved_at": row.resolved_at,
        "resolved_by": _name(row.resolved_by),
    }


def _response(row: SurveyResponse) -> dict[str, Any]:
    return {
        "id": row.pk,
        "survey_id": row.survey_id,
        "customer_id": str(row.customer_id),
        "answers": row.every_answer(),
        "submitted_at": row.submitted_at,
    }


@router.post("", response={201: FeedbackOut, **ERRORS})
def record_feedback(request: ApiRequest, payload: FeedbackIn) -> Any:
    """Record a suggestion, complaint or praise; a complaint schedules a call back (24 h)."""
    row = services.record_feedback(actor=request.user, **payload.dict())
    return Status(201, _feedback(selectors.feedback_for(request.user, row.pk)))


@router.get("", response={200: FeedbackPageOut, **ERRORS})
def list_feedback(
    request: ApiRequest,
    kind: KindFilter = "",
    status: StatusFilter = "",
    customer_id: UUID | None = None,
    cursor: TimeCursor = "",
    limit: int = LIMIT,
) -> Any:
    """Feedback of the customers you may see, newest first."""
    filters = selectors.FeedbackFilters(kind=kind, status=status, customer_id=customer_id)
    page = selectors.feedback_list(
        actor=request.user, filters=filters, cursor=cursor or None, limit=limit
    )
    return {"items": [_feedback(row) for row in page.items], "next_cursor": page.next_cursor}


@router.get("/{feedback_id}", response={200: FeedbackOut, **ERRORS})
def get_feedback(request: ApiRequest, feedback_id: RecordId) -> Any:
    return _feedback(selectors.feedback_for(request.user, feedback_id))


@router.post("/{feedback_id}/acknowledge", response={200: FeedbackOut, **ERRORS})
def acknowledge_feedback(request: ApiRequest, feedback_id: RecordId) -> Any:
    """new → acknowledged."""
    services.acknowledge_feedback(actor=request.user, feedback_id=feedback_id)
    return _feedback(selectors.feedback_for(request.user, feedback_id))


@router.post("/{feedback_id}/resolve", response={200: FeedbackOut, **ERRORS})
def resolve_feedback(request: ApiRequest, feedback_id: RecordId, payload: ResolveIn) -> Any:
    """Record what was done: → resolved (or → closed with `close`); 422 names an illegal move."""
    services.resolve_feedback(
        actor=request.user,
        feedback_id=feedback_id,
        resolution=payload.resolution,
        close=payload.close,
    )
    return _feedback(selectors.feedback_for(request.user, feedback_id))


@surveys_router.post("", response={201: SurveyOut, **ERRORS})
def create_survey(request: ApiRequest, payload: SurveyIn) -> Any:
    """A new survey (managers and admins)."""
    questions = [q.dict(exclude_none=True) for q in payload.questions]
    survey = services.create_survey(actor=request.user, title=payload.title, questions=questions)
    return Status(201, survey)


@surveys_router.get("", response={200: list[SurveyOut], **ERRORS})
def list_surveys(request: ApiRequest) -> Any:
    return selectors.survey_list(actor=request.user)


@surveys_router.get("/{survey_id}", response={200: SurveyOut, **ERRORS})
def get_survey(request: ApiRequest, survey_id: RecordId) -> Any:
    return selectors.survey_for(request.user, survey_id)


@surveys_router.post("/{survey_id}/responses", response={201: ResponseOut, **ERRORS})
def submit_response(request: ApiRequest, survey_id: RecordId, payload: AnswersIn) -> Any:
    """A customer's answers; a wrong answer is named by its question key (answers.<key>)."""
    row = services.submit_response(
        actor=request.user,
        survey_id=survey_id,
        customer_id=payload.customer_id,
        answers=payload.answers,
    )
    return Status(201, _response(row))


@surveys_router.get("/{survey_id}/responses", response={200: ResponsePageOut, **ERRORS})
def list_responses(
    request: ApiRequest, survey_id: RecordId, cursor: TimeCursor = "", limit: int = LIMIT
) -> Any:
    """Answers from the customers you may see, newest first, with their summary."""
    page = selectors.survey_responses(
        actor=request.user, survey_id=survey_id, cursor=cursor or None, limit=limit
    )
    return {
        "summary": page.summary,
        "items": [_response(row) for row in page.items],
        "next_cursor": page.next_cursor,
    }
