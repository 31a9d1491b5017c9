"""Writes of the feedback app: feedback (and its follow-up) and surveys."""

from dossier.feedback.services.feedback import (
    FIGURES,
    TIMELINE_KIND,
    acknowledge_feedback,
    change_status,
    record_feedback,
    resolve_feedback,
)
from dossier.feedback.services.surveys import create_survey, submit_response

__all__ = [
    "FIGURES",
    "TIMELINE_KIND",
    "acknowledge_feedback",
    "change_status",
    "create_survey",
    "record_feedback",
    "resolve_feedback",
    "submit_response",
]
