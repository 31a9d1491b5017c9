"""Drawing feedback and survey answers: labels of codes, a question's text, an answer."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template
from django.utils.translation import get_language

from dossier.feedback.models import Kind, Status

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


@register.filter
def kind_label(value: Any) -> str:
    try:
        return str(Kind(value).label)
    except ValueError:
        return str(value or "")


@register.filter
def status_label(value: Any) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value or "")


@register.filter
def question_text(question: Mapping[str, Any]) -> str:
    """The question in the page's language (the other one when it has none)."""
    first, second = ("text_zh", "text_en") if _chinese() else ("text_en", "text_zh")
    return str(question.get(first) or question.get(second) or question.get("key", ""))


@register.filter
def choice_text(value: Any, question: Mapping[str, Any]) -> str:
    """A choice's label in the page's language."""
    for choice in question.get("choices") or []:
        if choice["value"] == value:
            return str(choice["label_zh"] if _chinese() else choice["label_en"])
    return str(value)


@register.simple_tag
def answer_of(response: Any, question: Mapping[str, Any]) -> str:
    """What a response answered to a question, as shown ("" when unanswered)."""
    given = response.every_answer()
    if question["key"] not in given:
        return ""
    value = given[question["key"]]
    return choice_text(value, question) if question["type"] == "choice" else str(value)


@register.filter
def percent(part: Any, whole: Any) -> int:
    """A count as a whole percentage of another (0 when the whole is 0)."""
    return round(100 * int(part) / int(whole)) if whole else 0


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``mapping[key]`` in a template (0 for a count that is missing)."""
    return mapping.get(key, 0) if isinstance(mapping, Mapping) else 0
