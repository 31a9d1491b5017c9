"""Survey questions and answers as plain values: checking a survey's questions, checking a
customer's answers against them, and the NPS score. No database here."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.core import inputs
from dossier.core.fields import FieldError, FieldLabel

TYPES = ("csat", "nps", "choice", "text")
#: the types a survey may ask at most once (their answer feeds the customer's figures)
ONCE = ("csat", "nps")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
KEY_PATTERN = KEY.pattern
MAX_QUESTIONS = 50
MAX_CHOICES = 30
MAX_QUESTION_TEXT = 500
MAX_CHOICE_TEXT = 100
MAX_TEXT_ANSWER = 2000
SCALES = {"csat": (1, 5), "nps": (0, 10)}


def _label(path: str, zh: str, en: str) -> FieldLabel:
    return FieldLabel(path, zh, en)


def _choices(raw: Any, path: str, errors: list[FieldError]) -> list[dict[str, str]]:
    label = _label(path, "选项", "Choices")
    if not isinstance(raw, list) or len(raw) < 2:
        errors.append(FieldError("too_few_items", spec=label, min=2))
        return []
    if len(raw) > MAX_CHOICES:
        errors.append(FieldError("too_many_items", spec=label, max=MAX_CHOICES))
        return []
    clean = []
    for n, choice in enumerate(raw):
        item = choice if isinstance(choice, Mapping) else {"value": choice}
        where = f"{path}.{n}"
        value = inputs.text(
            item.get("value"),
            _label(f"{where}.value", "选项值", "Choice value"),
            errors,
            max_length=MAX_CHOICE_TEXT,
            required=True,
        )
        names = {}
        for lang, zh in (("zh", "选项名称（中文）"), ("en", "选项名称（英文）")):
            names[lang] = inputs.text(
                item.get(f"label_{lang}"),
                _label(f"{where}.label_{lang}", zh, f"Choice label ({lang})"),
                errors,
                max_length=MAX_CHOICE_TEXT,
            )
        clean.append(
            {"value": value, "label_zh": names["zh"] or value, "label_en": names["en"] or value}
        )
    values = [c["value"] for c in clean]
    if len(set(values)) != len(values):
        repeated = next(v for v in values if values.count(v) > 1)
        errors.append(FieldError("duplicate_choice", spec=label, value=repeated))
    return clean


def _question(raw: Any, n: int, errors: list[FieldError]) -> dict[str, Any] | None:
    path = f"questions.{n}"
    if not isinstance(raw, Mapping):
        errors.append(
            FieldError("required", spec=_label(path, f"问题{n + 1}", f"Question {n + 1}"))
        )
        return None
    key = raw.get("key")
    if not isinstance(key, str) or not KEY.fullmatch(key):
        errors.append(FieldError("pattern", spec=_label(f"{path}.key", "问题标识", "Question key")))
    kind = inputs.one_of(
        raw.get("type"), _label(f"{path}.type", "问题类型", "Question type"), errors, TYPES
    )
    texts = {}
    languages = (
        ("zh", "问题（中文）", "Question (Chinese)"),
        ("en", "问题（英文）", "Question (English)"),
    )
    for lang, zh, en in languages:
        texts[lang] = inputs.text(
            raw.get(f"text_{lang}"),
            _label(f"{path}.text_{lang}", zh, en),
            errors,
            max_length=MAX_QUESTION_TEXT,
        )
    if not texts["zh"] and not texts["en"]:
        errors.append(FieldError("required", spec=_label(f"{path}.text_zh", "问题", "Question")))
    required = raw.get("required", False)
    if not isinstance(required, bool):
        errors.append(
            FieldError("invalid_boolean", spec=_label(f"{path}.required", "必答", "Required"))
        )
        required = False
    question: dict[str, Any] = {
        "key": key,
        "type": kind,
        "text_zh": texts["zh"] or texts["en"],
        "text_en": texts["en"] or texts["zh"],
        "required": required,
    }
    if kind == "choice":
        question["choices"] = _choices(raw.get("choices"), f"{path}.choices", errors)
    return question


def check_questions(raw: Any) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """A survey's questions in their stored form, and every error found in them."""
    errors: list[FieldError] = []
    label = _label("questions", "问题", "Questions")
    if not isinstance(raw, list) or not raw:
        return [], [FieldError("too_few_items", spec=label, min=1)]
    if len(raw) > MAX_QUESTIONS:
        return [], [FieldError("too_many_items", spec=label, max=MAX_QUESTIONS)]
    questions = [q for n, item in enumerate(raw) if (q := _question(item, n, errors))]
    keys = [q["key"] for q in questions if isinstance(q["key"], str)]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        errors.append(FieldError("duplicate_question", spec=label, value=key))
    for kind in ONCE:
        if sum(q["type"] == kind for q in questions) > 1:
            errors.append(FieldError("question_type_twice", spec=label, value=kind.upper()))
    return questions, errors


@dataclass
class Answers:
    """A response's answers, split as they are stored."""

    #: scored and chosen answers (general data)
    chosen: dict[str, Any] = field(default_factory=dict)
    #: what the customer wrote (personal: stored encrypted)
    written: dict[str, str] = field(default_factory=dict)
    csat: int | None = None
    nps: int | None = None


def _answer_label(question: Mapping[str, Any]) -> FieldLabel:
    key = f"answers.{question['key']}"
    return FieldLabel(key, question["text_zh"], question["text_en"])


def check_answers(
    questions: Sequence[Mapping[str, Any]], raw: Any
) -> tuple[Answers, list[FieldError]]:
    """A customer's answers checked against the questions; each error names its question."""
    errors: list[FieldError] = []
    answers = Answers()
    if not isinstance(raw, Mapping) or not raw:
        label = FieldLabel("answers", "回答", "Answers")
        return answers, [FieldError("required", spec=label)]
    by_key = {q["key"]: q for q in questions}
    for key in raw:
        if key not in by_key:
            errors.append(FieldError("unknown_question", field=f"answers.{key}", value=str(key)))
    for key, question in by_key.items():
        value = raw.get(key)
        label = _answer_label(question)
        if value is None or value == "":
            if question.get("required"):
                errors.append(FieldError("required", spec=label))
            continue
        kind = question["type"]
        if kind in SCALES:
            low, high = SCALES[kind]
            score = inputs.whole_number(value, label, errors, minimum=low, maximum=high)
            if score is not None:
                answers.chosen[key] = score
                setattr(answers, kind, score)
        elif kind == "choice":
            values = [c["value"] for c in question.get("choices", [])]
            picked = inputs.one_of(value, label, errors, values)
            if picked:
                answers.chosen[key] = picked
        else:
            written = inputs.text(
                value,
                label,
                errors,
                max_length=MAX_TEXT_ANSWER,
                required=bool(question.get("required")),
            )
            if written:
                answers.written[key] = written
    return answers, errors


def nps_score(promoters: int, detractors: int, total: int) -> float | None:
    """Net promoter score: % promoters (9–10) − % detractors (0–6), to one decimal."""
    if not total:
        return None
    return round(100 * (promoters - detractors) / total, 1)
