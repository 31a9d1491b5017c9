"""Text-like field types: text, long text, address, URL, choice and multi-choice."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import re2

from dossier.core.fields import fast
from dossier.core.fields.base import FieldError, FieldSpec, FieldType, as_text, register
from dossier.core.fields.masking import mask_text
from dossier.core.fields.messages import describe

#: a template's pattern runs on RE2 (linear time: no pattern can stall the server), and both
#: the pattern and the text it is matched against are bounded
MAX_PATTERN_LENGTH = 500
MAX_MATCHED_LENGTH = 10_000
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False  # a refused pattern is reported to the user, not to stderr

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LIST_SEPARATORS = re.compile(r"[,，、;；|]")


def _check_int_rule(rules: Mapping[str, Any], name: str, spec: FieldSpec) -> list[FieldError]:
    value = rules.get(name)
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return [
            FieldError("invalid_rule", spec=spec, rule=name, reason="must be a whole number ≥ 0")
        ]
    return []


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Any:
    """A template's regular expression compiled by RE2; raises ``re2.error`` if RE2 refuses it."""
    return re2.compile(pattern, options=_RE2_OPTIONS)


def pattern_problem(pattern: Any) -> str | None:
    """Why a template's regular expression cannot be used, or None if it can."""
    if not isinstance(pattern, str):
        return "must be text"
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"at most {MAX_PATTERN_LENGTH} characters"
    try:
        compile_pattern(pattern)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        text = detail.decode("utf-8", "replace") if isinstance(detail, bytes) else str(detail)
        # RE2 has no backreferences or look-arounds: they are what makes matching exponential
        return f"not supported ({text}); backreferences and look-arounds cannot be used"
    return None


class Text(FieldType):
    name = "text"
    label = ("文本", "Text")
    widget = "text"
    default_max_length = 200
    allowed_rules = frozenset({"regex", "regex_description", "min_length", "max_length"})

    def mask(self, value: Any) -> Any:
        return mask_text(str(value))

    def parse(self, raw: Any, spec: FieldSpec) -> str:
        text = as_text(raw, spec)
        if _CONTROL.search(text):
            raise FieldError("control_characters", spec=spec)
        return text

    def check_rules(self, value: str, spec: FieldSpec) -> None:
        rules = spec.rules
        max_length = rules.get("max_length") or self.default_max_length
        if len(value) > max_length:
            raise FieldError("too_long", spec=spec, max=max_length)
        min_length = rules.get("min_length")
        if min_length and len(value) < min_length:
            raise FieldError("too_short", spec=spec, min=min_length)
        pattern = rules.get("regex")
        if pattern:
            if len(value) > MAX_MATCHED_LENGTH:
                raise FieldError("too_long", spec=spec, max=MAX_MATCHED_LENGTH)
            problem = pattern_problem(pattern)
            if problem:  # a version published before patterns ran on RE2
                raise FieldError("invalid_rule", spec=spec, rule="regex", reason=problem)
            # RE2 matches UTF-8 bytes whatever it is given; handed them directly, it skips
            # mapping byte offsets back to characters (offsets this check never reads)
            subject = value.encode("utf-8") if fast.ENABLED else value
            if compile_pattern(pattern).fullmatch(subject) is None:
                raise FieldError("pattern", spec=spec)

    def check_rule_definition(self, rules: Mapping[str, Any], spec: FieldSpec) -> list[FieldError]:
        errors = super().check_rule_definition(rules, spec)
        errors += _check_int_rule(rules, "min_length", spec) + _check_int_rule(
            rules, "max_length", spec
        )
        pattern = rules.get("regex")
        problem = None if pattern is None else pattern_problem(pattern)
        if problem:
            errors.append(FieldError("invalid_rule", spec=spec, rule="regex", reason=problem))
        return errors

    def describe_rule(self, name: str, value: Any, spec: FieldSpec, language: str) -> str:
        # a pattern is read through the words its author gave it, never as a regular expression
        if name == "regex":
            words = str(spec.rules.get("regex_description") or "").strip()
            return (
                describe("regex", language, words) if words else describe("regex_custom", language)
            )
        if name == "regex_description":
            return ""
        return super().describe_rule(name, value, spec, language)


@register
class SingleLineText(Text):
    pass


@register
class LongText(Text):
    name = "long_text"
    label = ("长文本", "Long text")
    widget = "textarea"
    default_max_length = 10_000


@register
class Address(Text):
    name = "address"
    label = ("地址", "Address")
    minimum_classification = "personal"
    widget = "textarea"
    default_max_length = 500


@register
class Url(FieldType):
    name = "url"
    label = ("网址", "Web address")
    widget = "url"

    def mask(self, value: Any) -> Any:
        return mask_text(str(value))

    def parse(self, raw: Any, spec: FieldSpec) -> str:
        text = as_text(raw, spec)
        if "://" not in text:
            text = "https://" + text
        try:
            parts = urlsplit(text)
            host = parts.hostname or ""
        except ValueError:  # e.g. an unbalanced "[" in the host
            raise FieldError("invalid_url", spec=spec) from None
        if (
            parts.scheme not in ("http", "https")
            or "." not in host
            or " " in text
            or len(text) > 2000
        ):
            raise FieldError("invalid_url", spec=spec)
        return text


def _choice_index(spec: FieldSpec) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """A spec's choices as lookups: the first choice for each value or Chinese label, and for
    each lower-cased value or English label; kept on the spec (specs are frozen values)."""
    index = spec.__dict__.get("_choice_index")
    if index is None:
        choices = spec.choices()
        exact: dict[str, int] = {}
        folded: dict[str, int] = {}
        for at, choice in enumerate(choices):
            exact.setdefault(choice["value"], at)
            exact.setdefault(choice["label_zh"], at)
            folded.setdefault(choice["value"].lower(), at)
            folded.setdefault(choice["label_en"].lower(), at)
        index = (exact, folded, [choice["value"] for choice in choices])
        object.__setattr__(spec, "_choice_index", index)
    return index


class _ChoiceBase(FieldType):
    """What single and multiple choice share: matching a value and checking the choice list."""

    def describe_rule(self, name: str, value: Any, spec: FieldSpec, language: str) -> str:
        if name == "choices":
            label = "label_zh" if language.lower().startswith("zh") else "label_en"
            return describe("choices", language, [c[label] for c in spec.choices()])
        return super().describe_rule(name, value, spec, language)

    def _match(self, raw: Any, spec: FieldSpec) -> str:
        text = as_text(raw, spec)
        if fast.ENABLED:
            exact, folded, values = _choice_index(spec)
            # the first choice that matches either way, as the loop below finds it
            at = min(exact.get(text, len(values)), folded.get(text.lower(), len(values)))
            if at < len(values):
                return values[at]
            raise FieldError("invalid_choice", spec=spec, value=text)
        for choice in spec.choices():
            if text in (choice["value"], choice["label_zh"]) or text.lower() in (
                choice["value"].lower(),
                choice["label_en"].lower(),
            ):
                return choice["value"]
        raise FieldError("invalid_choice", spec=spec, value=text)

    def check_rule_definition(self, rules: Mapping[str, Any], spec: FieldSpec) -> list[FieldError]:
        errors = super().check_rule_definition(rules, spec)
        choices = rules.get("choices")
        if not isinstance(choices, list) or not choices:
            return [
                *errors,
                FieldError(
                    "invalid_rule", spec=spec, rule="choices", reason="needs at least one choice"
                ),
            ]
        values = [c.get("value") if isinstance(c, Mapping) else c for c in choices]
        if any(not isinstance(v, str) or not v.strip() for v in values):
            errors.append(
                FieldError(
                    "invalid_rule", spec=spec, rule="choices", reason="every choice needs a value"
                )
            )
        elif len(set(values)) != len(values):
            errors.append(
                FieldError("invalid_rule", spec=spec, rule="choices", reason="values repeat")
            )
        return errors


@register
class Choice(_ChoiceBase):
    name = "choice"
    label = ("单选", "Choice")
    widget = "select"
    allowed_rules = frozenset({"choices"})

    def parse(self, raw: Any, spec: FieldSpec) -> str:
        return self._match(raw, spec)


@register
class MultiChoice(_ChoiceBase):
    name = "multi_choice"
    label = ("多选", "Multiple choice")
    widget = "checkboxes"
    allowed_rules = frozenset({"choices", "min_items", "max_items"})

    def parse(self, raw: Any, spec: FieldSpec) -> list[str]:
        if isinstance(raw, str):
            items: list[Any] = [part for part in _LIST_SEPARATORS.split(raw) if part.strip()]
        elif isinstance(raw, list | tuple):
            items = list(raw)
        else:
            raise FieldError("invalid_list", spec=spec)
        picked: list[str] = []
        for item in items:
            value = self._match(item, spec)
            if value not in picked:
                picked.append(value)
        return picked

    def check_rule_definition(self, rules: Mapping[str, Any], spec: FieldSpec) -> list[FieldError]:
        errors = super().check_rule_definition(rules, spec)
        return (
            errors
            + _check_int_rule(rules, "min_items", spec)
            + _check_int_rule(rules, "max_items", spec)
        )

    def check_rules(self, value: list[str], spec: FieldSpec) -> None:
        max_items = spec.rules.get("max_items")
        if max_items is not None and len(value) > max_items:
            raise FieldError("too_large", spec=spec, max=max_items)
        min_items = spec.rules.get("min_items")
        if min_items is not None and len(value) < min_items:
            raise FieldError("too_small", spec=spec, min=min_items)

    def lookup_form(self, value: Any) -> str:
        return ",".join(sorted(value))
