"""Field specifications, field errors and the registry of field types."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from dossier.core.fields.masking import MASKED_OTHER
from dossier.core.fields.messages import describe, render

CLASSIFICATIONS = ("general", "personal", "sensitive")  # from least to most protected
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class FieldSpec:
    """One field of a template version, as the validator sees it."""

    key: str
    type: str
    label_zh: str = ""
    label_en: str = ""
    required: bool = False
    unique: bool = False
    rules: Mapping[str, Any] = field(default_factory=dict)
    default: Any = None
    help_zh: str = ""
    help_en: str = ""
    classification: str = "general"
    section: str = ""

    def __post_init__(self) -> None:
        # the field type's floor wins over what the template says: a 身份证 is never general
        floor = minimum_classification(self.type)
        if self.classification in CLASSIFICATIONS and is_lower(self.classification, floor):
            object.__setattr__(self, "classification", floor)

    @property
    def sensitive(self) -> bool:
        return self.classification == "sensitive"

    def label(self, language: str) -> str:
        chinese = language.lower().startswith("zh")
        return (
            (self.label_zh if chinese else self.label_en)
            or self.label_en
            or self.label_zh
            or self.key
        )

    def choices(self) -> list[dict[str, str]]:
        """Allowed choices as ``{"value", "label_zh", "label_en"}`` dicts."""
        out = []
        for choice in self.rules.get("choices") or []:
            if isinstance(choice, Mapping):
                value = str(choice.get("value", ""))
                out.append(
                    {
                        "value": value,
                        "label_zh": str(choice.get("label_zh") or value),
                        "label_en": str(choice.get("label_en") or value),
                    }
                )
            else:
                out.append({"value": str(choice), "label_zh": str(choice), "label_en": str(choice)})
        return out


@dataclass(frozen=True)
class FieldLabel:
    """The name of something an error is about that is not a template field (a request's
    kind, a consent channel, a batch's owner): its key and its label in both languages."""

    key: str
    label_zh: str
    label_en: str

    def label(self, language: str) -> str:
        return self.label_zh if language.lower().startswith("zh") else self.label_en


class FieldError(Exception):
    """A value (or a field definition) that breaks a rule: field, code and message parameters."""

    def __init__(
        self,
        code: str,
        *,
        field: str = "",
        spec: FieldSpec | FieldLabel | None = None,
        row: int | None = None,
        **params: Any,
    ) -> None:
        super().__init__(code)
        self.code = code
        self.field = field or (spec.key if spec else "")
        self.spec = spec
        self.row = row
        self.params = params

    def message(self, language: str = "en") -> str:
        label = self.spec.label(language) if self.spec else self.params.get("label", self.field)
        # a FieldSpec given as a parameter (the source of a derived value) speaks this language
        params = {
            k: (v.label(language) if isinstance(v, FieldSpec | FieldLabel) else v)
            for k, v in self.params.items()
            if k != "label"
        }
        return render(self.code, language, {"label": label, **params})

    def at(
        self,
        *,
        field: str | None = None,
        spec: FieldSpec | FieldLabel | None = None,
        row: int | None = None,
    ) -> FieldError:
        """A copy of this error placed on a field and/or row."""
        err = FieldError(
            self.code,
            field=field if field is not None else self.field,
            spec=spec or self.spec,
            row=row if row is not None else self.row,
            **self.params,
        )
        return err

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "field": self.field,
            "code": self.code,
            "message": self.message(language),
        }
        if self.row is not None:
            out["row"] = self.row
        return out

    def __repr__(self) -> str:
        return f"FieldError({self.code!r}, field={self.field!r}, row={self.row!r})"


def is_lower(classification: str, than: str) -> bool:
    """Whether ``classification`` protects less than ``than`` (general < personal < sensitive)."""
    return CLASSIFICATIONS.index(classification) < CLASSIFICATIONS.index(than)


def minimum_classification(type_name: str) -> str:
    """The least classification a field of this type may have, whatever its template says."""
    kind = _REGISTRY.get(type_name)
    return kind.minimum_classification if kind is not None else CLASSIFICATIONS[0]


def lowered_fields(
    before: Mapping[str, str], after: Sequence[FieldSpec]
) -> list[tuple[FieldSpec, str, str]]:
    """Fields of ``after`` less protected than ``before`` (key → classification) had them."""
    return [
        (spec, before[spec.key], spec.classification)
        for spec in after
        if spec.key in before and is_lower(spec.classification, before[spec.key])
    ]


def is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    return isinstance(raw, list | tuple | set) and len(raw) == 0


def as_text(raw: Any, spec: FieldSpec) -> str:
    """Raw input as stripped text; numbers are accepted as their decimal form."""
    if raw.__class__ is str:  # the common case, without the checks below
        return raw.strip()
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise FieldError("invalid_text", spec=spec)
    text = raw if isinstance(raw, str) else str(raw)
    return text.strip()


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation to their ASCII forms (NFKC)."""
    # NFKC leaves every ASCII character as it is, and most values are plain ASCII
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


class FieldType:
    """A kind of field: turns a raw value into a normalised one, or raises :class:`FieldError`.

    Adding a type means adding one subclass decorated with :func:`register`.
    """

    name: ClassVar[str] = ""
    widget: ClassVar[str] = "text"  # how a page renders it: text, textarea, number, date, ...
    allowed_rules: ClassVar[frozenset[str]] = frozenset()
    #: values of this type identify a person or company, so they get a blind index
    identifying: ClassVar[bool] = False
    #: types with the same (non-empty) order compare with each other: "number" or "time"
    order: ClassVar[str] = ""
    #: the floor of a field's classification: identifiers are personal at least, so no
    #: template can store them in plaintext or show them unmasked
    minimum_classification: ClassVar[str] = "general"
    #: the type's name in the editor and reports, (zh-Hans, English)
    label: ClassVar[tuple[str, str]] = ("", "")
    #: how a search box may find a customer by a value of this type: "exact" (through the
    #: blind index) and "last_four" (a keyed index of the last four digits); empty: not at all
    search_by: ClassVar[frozenset[str]] = frozenset()

    def mask(self, value: Any) -> Any:
        """What a stored value looks like to someone who may not see it whole."""
        return MASKED_OTHER

    def display(self, value: Any, spec: FieldSpec) -> str:
        """A stored value as people write it (138 0013 8000, ¥1,234.50 …), for pages."""
        return "" if value is None else str(value)

    def parse(self, raw: Any, spec: FieldSpec) -> Any:
        """Normalise a non-empty raw value (type check and type-specific format)."""
        raise NotImplementedError

    def check_rules(self, value: Any, spec: FieldSpec) -> None:
        """Apply the template's rules (length, range, pattern …) to a parsed value."""

    def check_rule_definition(self, rules: Mapping[str, Any], spec: FieldSpec) -> list[FieldError]:
        """Errors in a template's rule settings for this type."""
        unknown = set(rules) - self.allowed_rules
        return [
            FieldError("invalid_rule", spec=spec, rule=name, reason="not a rule of this type")
            for name in sorted(unknown)
        ]

    def to_storage(self, value: Any) -> Any:
        """The JSON-ready form stored in a customer's attributes."""
        return value

    def from_storage(self, stored: Any) -> Any:
        return stored

    def derive(self, value: Any) -> dict[str, Any]:
        """Values of other fields that this value implies (e.g. birthday from a 身份证)."""
        return {}

    def lookup_form(self, value: Any) -> str:
        """The canonical text used for exact lookups and blind indexes."""
        return str(self.to_storage(value)).strip().lower()

    def validate(self, raw: Any, spec: FieldSpec) -> Any:
        value = self.parse(raw, spec)
        self.check_rules(value, spec)
        return value

    def describe_rule(self, name: str, value: Any, spec: FieldSpec, language: str) -> str:
        """One rule in words for people ("最多20个字符" / "at most 20 characters"); "" to omit."""
        return describe(name, language, value)


_REGISTRY: dict[str, FieldType] = {}


def register(cls: type[FieldType]) -> type[FieldType]:
    _REGISTRY[cls.name] = cls()
    return cls


def get_type(name: str) -> FieldType:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise FieldError("unknown_type", field="type", value=name) from None


def registered_types() -> list[str]:
    return list(_REGISTRY)


def type_label(name: str, language: str) -> str:
    """A field type's name in the language of the page (zh-Hans unless it starts with "en")."""
    kind = _REGISTRY.get(name)
    if kind is None or not kind.label[0]:
        return name
    return kind.label[1] if language.startswith("en") else kind.label[0]


def searchable_types(way: str) -> list[str]:
    """The field types a search box may find customers by, in the given way ("exact" …)."""
    return [name for name, kind in _REGISTRY.items() if way in kind.search_by]


def mask_value(field_type: str, value: Any) -> Any:
    """The masked form of a stored value of the given field type; empty stays empty."""
    if value is None or value == "" or value == []:
        return value
    kind = _REGISTRY.get(field_type)
    return kind.mask(value) if kind is not None else MASKED_OTHER
