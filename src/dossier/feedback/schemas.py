"""API shapes of feedback and surveys. Explicit fields only; the rules live in the services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator

from dossier.core.schemas import FILLED, TEXT, OneOf, documented, not_a_boolean
from dossier.feedback.models import Kind
from dossier.feedback.questions import MAX_QUESTIONS
from dossier.feedback.services.feedback import MAX_ORDER_REF, MAX_RESOLUTION, MAX_TEXT
from dossier.feedback.services.surveys import MAX_TITLE

KindName = Annotated[str, OneOf(Kind.values)]
Csat = Annotated[
    int, BeforeValidator(not_a_boolean), Field(json_schema_extra=documented(minimum=1, maximum=5))
]
Nps = Annotated[
    int, BeforeValidator(not_a_boolean), Field(json_schema_extra=documented(minimum=0, maximum=10))
]


class FeedbackIn(Schema):
    customer_id: UUID
    kind: KindName
    text: str = Field("", json_schema_extra=documented(maxLength=MAX_TEXT, pattern=TEXT))
    csat: Csat | None = Field(None, description="Customer satisfaction, 1 (worst) to 5.")
    nps: Nps | None = Field(None, description="How likely to recommend us, 0 to 10.")
    order_ref: str = Field(
        "",
        json_schema_extra=documented(maxLength=MAX_ORDER_REF, pattern=TEXT),
        description="The order it is about, as the shop numbers it.",
    )


class ResolveIn(Schema):
    resolution: str = Field(
        ...,
        json_schema_extra=documented(maxLength=MAX_RESOLUTION, pattern=FILLED),
        description="What was done about it.",
    )
    close: bool = Field(False, description="Close it at once instead of marking it resolved.")


class FeedbackOut(Schema):
    id: int
    customer_id: str
    kind: str
    csat: int | None
    nps: int | None
    text: str
    status: str
    resolution: str
    order_ref: str
    received_at: datetime
    recorded_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None


class FeedbackPageOut(Schema):
    items: list[FeedbackOut]
    next_cursor: str | None


class ChoiceIn(Schema):
    value: str
    label_zh: str = ""
    label_en: str = ""


class QuestionIn(Schema):
    key: str = Field(..., description="Names the answers: a-z, 0-9 and _, a letter first.")
    type: Annotated[str, OneOf(("csat", "nps", "choice", "text"))]
    text_zh: str = ""
    text_en: str = ""
    required: bool = False
    choices: list[ChoiceIn | str] | None = Field(None, description="For `choice` questions.")


class SurveyIn(Schema):
    title: str = Field(..., json_schema_extra=documented(maxLength=MAX_TITLE, pattern=FILLED))
    questions: list[QuestionIn] = Field(
        ...,
        description="At most one `csat` and one `nps` question; keys unique.",
        json_schema_extra=documented(minItems=1, maxItems=MAX_QUESTIONS),
    )


class ChoiceOut(Schema):
    value: str
    label_zh: str
    label_en: str


class QuestionOut(Schema):
    key: str
    type: str
    text_zh: str
    text_en: str
    required: bool
    choices: list[ChoiceOut] | None = None


class SurveyOut(Schema):
    id: int
    title: str
    questions: list[QuestionOut]
    created_at: datetime


class AnswersIn(Schema):
    customer_id: UUID
    answers: dict[str, Any] = Field(
        ...,
        description="Answers by question key: CSAT 1–5, NPS 0–10, a choice's value, or text.",
        json_schema_extra=documented(minProperties=1),
    )


class ResponseOut(Schema):
    id: int
    survey_id: int
    customer_id: str
    answers: dict[str, Any]
    submitted_at: datetime


class SummaryOut(Schema):
    responses: int
    csat_answers: int
    average_csat: float | None
    nps_answers: int
    promoters: int
    passives: int
    detractors: int
    nps_score: float | None = Field(..., description="% promoters (9–10) − % detractors (0–6).")
    choices: dict[str, dict[str, int]] = Field(..., description="Per choice question: counts.")


class ResponsePageOut(Schema):
    summary: SummaryOut
    items: list[ResponseOut]
    next_cursor: str | None
