"""Creating surveys and recording a customer's answers; CSAT and NPS answers feed the figures."""

from __future__ import annotations

from typing import Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.services import record_entry
from dossier.audit.services import record_audit
from dossier.core import inputs
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import customer_for, may
from dossier.customers.services import refuse_if_erased
from dossier.feedback.models import Survey, SurveyResponse
from dossier.feedback.questions import check_answers, check_questions
from dossier.feedback.selectors import survey_for
from dossier.feedback.services.feedback import add_scores

TIMELINE_KIND = "survey"
MAX_TITLE = 200
TITLE = FieldLabel("title", "标题", "Title")


def response_summary(row: SurveyResponse, title: str) -> dict[str, Any]:
    """The timeline entry's facts: the survey and the scores, never what was written."""
    return {"survey": title, "survey_id": row.survey_id, "csat": row.csat, "nps": row.nps}


def create_survey(*, actor: MaybeActor, title: str, questions: Any) -> Survey:
    """A new survey (managers and admins); every problem in its questions is named at once."""
    if not may(actor, "feedback.add_survey"):
        raise PermissionDenied(_("You may not create surveys."))
    errors: list[FieldError] = []
    clean_title = inputs.text(title, TITLE, errors, max_length=MAX_TITLE, required=True)
    clean, question_errors = check_questions(questions)
    errors += question_errors
    if errors:
        raise ValidationFailed(_("The survey could not be saved."), errors=errors)
    with transaction.atomic():
        survey = Survey.objects.create(
            title=clean_title, questions=clean, created_by=person(actor), created_at=timezone.now()
        )
        record_audit(
            actor=actor,
            action="create",
            object_type="survey",
            object_id=survey.pk,
            changes={"title": survey.title, "questions": [q["key"] for q in clean]},
        )
    return survey


def submit_response(
    *, actor: MaybeActor, survey_id: Any, customer_id: Any, answers: Any
) -> SurveyResponse:
    """Record a customer's answers (checked against the survey's questions)."""
    with transaction.atomic():
        survey = survey_for(actor, survey_id)
        customer = customer_for(actor, customer_id, "change")
        refuse_if_erased(customer)
        checked, errors = check_answers(survey.questions, answers)
        if errors:
            raise ValidationFailed(_("The answers could not be saved."), errors=errors)
        row = SurveyResponse.objects.create(
            survey=survey,
            customer_id=customer.pk,
            answers=checked.chosen,
            text_answers=cast(Any, checked.written),  # an EncryptedJSONField holds a dict
            csat=checked.csat,
            nps=checked.nps,
            submitted_at=timezone.now(),
            recorded_by=person(actor),
        )
        record_entry(
            customer_id=customer.pk,
            kind=TIMELINE_KIND,
            object_id=row.pk,
            occurred_at=row.submitted_at,
            summary=response_summary(row, survey.title),
        )
        add_scores(customer.pk, row.csat, row.nps, row.submitted_at)
        record_audit(
            actor=actor,
            action="create",
            object_type="survey_response",
            object_id=row.pk,
            customer_id=customer.pk,
            changes={"survey": survey.pk, "answered": sorted([*checked.chosen, *checked.written])},
        )
    return row
