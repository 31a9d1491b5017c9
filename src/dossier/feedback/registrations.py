"""How feedback and survey answers plug into the generic processes: the customer-data registry
(export, erasure, merge), the figures, the timeline and the webhook payloads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from dossier.activity.figures import FigureSource, register_figure_source
from dossier.activity.kinds import TimelineKind, register_kind
from dossier.core.actors import MaybeActor
from dossier.customers.access import restrict_owned
from dossier.customers.models import Customer
from dossier.customers.registry import CustomerData, register, repoint_rows
from dossier.feedback.models import Feedback, Kind, SurveyResponse
from dossier.feedback.selectors import feedback_for_timeline, responses_for_timeline
from dossier.feedback.services import FIGURES, TIMELINE_KIND
from dossier.feedback.services.surveys import TIMELINE_KIND as SURVEY_KIND
from dossier.outbox.models import Event
from dossier.outbox.payloads import register_payload
from dossier.protection.disclosure import may_see_personal

COLUMNS = ("complaint_count", "csat_total", "csat_count", "last_nps", "last_nps_at")


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def feedback_copy(customer: Customer) -> list[dict[str, Any]]:
    """What the customer told us and what we did about it (their copy of their data)."""
    rows = Feedback.objects.filter(customer_id=customer.pk).order_by("received_at", "id")
    return [
        {
            "kind": row.kind,
            "received_at": _iso(row.received_at),
            "csat": row.csat,
            "nps": row.nps,
            "text": row.text,
            "order_ref": row.order_ref,
            "status": row.status,
            "resolution": row.resolution,
            "resolved_at": _iso(row.resolved_at),
        }
        for row in rows
    ]


def responses_copy(customer: Customer) -> list[dict[str, Any]]:
    """The customer's survey answers, each under its question."""
    rows = (
        SurveyResponse.objects.filter(customer_id=customer.pk)
        .select_related("survey")
        .order_by("submitted_at", "id")
    )
    return [
        {
            "survey": row.survey.title,
            "submitted_at": _iso(row.submitted_at),
            "answers": [
                {"question": q["text_zh"], "answer": given[q["key"]]}
                for given in [row.every_answer()]
                for q in row.survey.questions
                if q["key"] in given
            ],
        }
        for row in rows
    ]


def blank_feedback(rows: QuerySet[Any]) -> None:
    """Erasure: what was written goes; kind, scores and status stay (the figures add up)."""
    rows.update(text="", resolution="")


def blank_written_answers(rows: QuerySet[Any]) -> None:
    rows.update(text_answers={})


def _latest_nps(rows: QuerySet[Any], time_field: str) -> dict[Any, tuple[Any, int]]:
    ranked = (
        rows.filter(nps__isnull=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("customer_id")],
                order_by=[F(time_field).desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
        .values_list("customer_id", time_field, "nps")
    )
    return {customer_id: (at, nps) for customer_id, at, nps in ranked}


def recount_scores(customer_ids: Sequence[Any] | None) -> Mapping[Any, Mapping[str, Any]]:
    """Complaints, CSAT sum and count, and the latest NPS, from feedback and survey answers."""
    feedback = Feedback.objects.all()
    answers = SurveyResponse.objects.all()
    if customer_ids is not None:
        feedback = feedback.filter(customer_id__in=list(customer_ids))
        answers = answers.filter(customer_id__in=list(customer_ids))
    counted: dict[Any, dict[str, Any]] = {}

    def add(customer_id: Any, **values: Any) -> None:
        row = counted.setdefault(
            customer_id, {"complaint_count": 0, "csat_total": 0, "csat_count": 0}
        )
        for name, value in values.items():
            row[name] += value or 0

    for row in feedback.values("customer_id").annotate(
        complaints=Count("id", filter=Q(kind=Kind.COMPLAINT)),
        total=Sum("csat"),
        scored=Count("csat"),
    ):
        add(
            row["customer_id"],
            complaint_count=row["complaints"],
            csat_total=row["total"],
            csat_count=row["scored"],
        )
    for scores in answers.values("customer_id").annotate(total=Sum("csat"), scored=Count("csat")):
        add(scores["customer_id"], csat_total=scores["total"], csat_count=scores["scored"])
    latest = _latest_nps(feedback, "received_at")
    for customer_id, (at, nps) in _latest_nps(answers, "submitted_at").items():
        if customer_id not in latest or at > latest[customer_id][0]:
            latest[customer_id] = (at, nps)
    for customer_id, (at, nps) in latest.items():
        add(customer_id)
        counted[customer_id].update(last_nps=nps, last_nps_at=at)
    return counted


def feedback_payload(receiver: MaybeActor, event: Event) -> dict[str, Any] | None:
    """Feedback as a webhook receiver may see it: nothing if its customer is out of their
    reach; the text only for those who may read personal data."""
    if not str(event.object_id).isdecimal():
        return None
    row = (
        restrict_owned(Feedback.objects.all(), receiver, "view").filter(pk=event.object_id).first()
    )
    if row is None:
        return None
    personal = may_see_personal(receiver)
    return {
        "kind": row.kind,
        "status": row.status,
        "csat": row.csat,
        "nps": row.nps,
        "order_ref": row.order_ref,
        "received_at": _iso(row.received_at),
        "text": row.text if personal else None,
        "masked": [] if personal else ["text"],
    }


def register_feedback() -> None:
    for key, model, export, anonymise in (
        ("feedback", Feedback, feedback_copy, blank_feedback),
        ("survey_responses", SurveyResponse, responses_copy, blank_written_answers),
    ):
        register(
            CustomerData(
                key=key,
                model=model,
                export=export,
                erasure="anonymise",
                anonymise=anonymise,
                repoint=repoint_rows(CustomerData(key=key, model=model)),
            )
        )
    register_figure_source(FigureSource(key=FIGURES, columns=COLUMNS, recount=recount_scores))
    register_kind(
        TimelineKind(
            key=TIMELINE_KIND,
            label=_("Feedback"),
            template="feedback/_entry.html",
            load=feedback_for_timeline,
        )
    )
    register_kind(
        TimelineKind(
            key=SURVEY_KIND,
            label=_("Survey"),
            template="feedback/_survey_entry.html",
            load=responses_for_timeline,
        )
    )
    register_payload("feedback", feedback_payload)
