"""Contact field types: e-mail and phone."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from dossier.core.fields import fast
from dossier.core.fields.base import FieldError, FieldSpec, FieldType, as_text, fold_width, register
from dossier.core.fields.fast_contact import quick_email, quick_phone
from dossier.core.fields.masking import mask_email, mask_phone
from dossier.core.fields.messages import email_reason

_PHONE_NOISE = re.compile(r"[\s\-().·\u3000]")


def normalise_phone_text(text: str) -> str:
    """Fold full-width digits, drop separators and turn 0086/86 prefixes into +86."""
    text = _PHONE_NOISE.sub("", fold_width(text))
    if text.startswith("00"):
        text = "+" + text[2:]
    elif len(text) == 13 and text.startswith("86") and text[2] == "1":
        text = "+" + text
    return text


def parse_phone(raw: str, region: str = "CN") -> phonenumbers.PhoneNumber | None:
    """A valid phone number from free text, or None."""
    try:
        number = phonenumbers.parse(normalise_phone_text(raw), region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def display_phone(value: str) -> str:
    """A stored E.164 number as people write it: 138 0013 8000 at home, +1 650-… abroad."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register
class Phone(FieldType):
    name = "phone"
    label = ("电话", "Phone")
    search_by = frozenset({"exact", "last_four"})
    minimum_classification = "personal"
    widget = "tel"
    allowed_rules = frozenset({"mobile_only", "region"})
    identifying = True

    def mask(self, value: Any) -> Any:
        return mask_phone(str(value))

    def display(self, value: Any, spec: FieldSpec) -> str:
        text = "" if value is None else str(value)
        return display_phone(text) if text.startswith("+") else text

    def parse(self, raw: Any, spec: FieldSpec) -> str:
        text = as_text(raw, spec)
        region = str(spec.rules.get("region") or "CN")
        if fast.ENABLED:
            mobile_only = bool(spec.rules.get("mobile_only"))
            known = quick_phone(normalise_phone_text(text), region, mobile_only, spec)
            if known is not None:
                return known
        number = parse_phone(text, region)
        if number is None:
            raise FieldError("invalid_phone", spec=spec)
        if spec.rules.get("mobile_only"):
            kind = phonenumbers.number_type(number)
            if kind not in (
                phonenumbers.PhoneNumberType.MOBILE,
                phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
            ):
                raise FieldError("not_mobile", spec=spec)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def lookup_form(self, value: Any) -> str:
        return str(value)


@register
class Email(FieldType):
    name = "email"
    label = ("邮箱", "E-mail")
    search_by = frozenset({"exact"})
    minimum_classification = "personal"
    widget = "email"
    identifying = True

    def mask(self, value: Any) -> Any:
        return mask_email(str(value))

    def parse(self, raw: Any, spec: FieldSpec) -> str:
        text = fold_width(as_text(raw, spec))
        if fast.ENABLED:
            known = quick_email(text)
            if known is not None:
                return known
        try:
            result = validate_email(text, check_deliverability=False)
        except EmailNotValidError as exc:
            raise FieldError("invalid_email", spec=spec, reason=email_reason(str(exc))) from None
        return str(result.normalized)
