"""Showing template fields on pages: form inputs, stored values and choice labels."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import phonenumbers
from django import template
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from dossier.core.fields import FieldSpec, get_type
from dossier.core.fields.contact import display_phone
from dossier.customers.colours import text_colour, valid_colour
from dossier.templates.core_fields import core_spec
from dossier.templates.sections import section_label as _section_label

register = template.Library()

# widgets that take a whole row of the two-column form
_WIDE = {"textarea", "checkboxes"}


def _language() -> str:
    return get_language() or "zh-hans"


def _chinese() -> bool:
    return _language().lower().startswith("zh")


@register.filter
def section_label(section: str) -> str:
    """The heading of a form section ("contact" → "Contact" / "联系方式")."""
    return _section_label(section)


def help_text(spec: FieldSpec) -> str:
    """The field's help in the active language (the other one if it has none)."""
    return (spec.help_zh or spec.help_en) if _chinese() else (spec.help_en or spec.help_zh)


def choice_options(spec: FieldSpec) -> list[tuple[str, str]]:
    """(value, label) of each choice, labelled in the active language."""
    name = "label_zh" if _chinese() else "label_en"
    return [(c["value"], c[name]) for c in spec.choices()]


def choice_text(spec: FieldSpec, value: Any) -> str:
    """A stored choice value shown with its label."""
    labels = dict(choice_options(spec))
    if isinstance(value, list):
        return ("、" if _chinese() else ", ").join(labels.get(str(v), str(v)) for v in value)
    return labels.get(str(value), str(value))


@register.filter
def lifecycle_label(value: Any) -> str:
    """A lifecycle status with its label ("active" → "Active" / "活跃客户")."""
    return choice_text(core_spec("lifecycle"), value) if value else ""


def _local_text(value: Any, pattern: str) -> str:
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(moment, datetime) and timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return moment.strftime(pattern) if isinstance(moment, datetime) else str(value)


def display_text(spec: FieldSpec, value: Any) -> str:
    """A stored value as a person reads it: choice labels, yes/no, local times."""
    widget = get_type(spec.type).widget
    if widget in ("select", "checkboxes"):
        return choice_text(spec, value)
    if widget == "checkbox":
        return _("Yes") if value else _("No")
    if widget == "datetime-local":
        try:
            return _local_text(value, "%Y-%m-%d %H:%M")
        except ValueError:
            return str(value)
    return get_type(spec.type).display(value, spec)  # phones, money … as people write them


def input_value(spec: FieldSpec, value: Any) -> Any:
    """A stored (or typed) value in the form its input expects."""
    widget = get_type(spec.type).widget
    if value is None:
        return [] if widget == "checkboxes" else ""
    if widget == "checkboxes":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if isinstance(value, bool):
        return "true" if value else "false"
    if spec.type == "phone":
        return get_type("phone").display(value, spec)  # as the detail page shows it
    if widget == "datetime-local":
        try:
            return _local_text(value, "%Y-%m-%dT%H:%M")
        except ValueError:
            return str(value)  # text typed by the user: show it back as it was
    return str(value)


@dataclass
class FormField:
    """One input of the customer form."""

    key: str
    label: str
    required: bool
    help: str
    widget: str
    value: Any
    masked: bool
    errors: list[str] = field(default_factory=list)
    options: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def wide(self) -> bool:
        return self.widget in _WIDE

    @property
    def described_by(self) -> str:
        ids = [f"help_{self.key}"] if self.help else []
        return " ".join([*ids, f"error_{self.key}"] if self.errors else ids)


def _options(spec: FieldSpec, widget: str, value: Any, masked: bool) -> list[tuple[str, str, bool]]:
    if widget == "checkboxes":
        return [(v, label, v in value) for v, label in choice_options(spec)]
    empty = _("unchanged") if masked else "—"
    pairs = (
        [("true", _("Yes")), ("false", _("No"))] if widget == "checkbox" else choice_options(spec)
    )
    return [("", str(empty), value == "")] + [(v, label, v == value) for v, label in pairs]


def form_sections(
    specs: Sequence[FieldSpec],
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    masked: Collection[str] = (),
) -> list[tuple[str, list[FormField]]]:
    """The form's fields grouped by section, sections in the order they first appear."""
    sections: dict[str, list[FormField]] = {}
    language = _language()
    for spec in specs:
        widget = get_type(spec.type).widget
        hidden = spec.key in masked
        value = input_value(spec, None if hidden else values.get(spec.key))
        sections.setdefault(spec.section, []).append(
            FormField(
                key=spec.key,
                label=spec.label(language),
                required=spec.required,
                help=help_text(spec),
                widget=widget,
                value=value,
                masked=hidden,
                errors=list(errors.get(spec.key, [])),
                options=(
                    _options(spec, widget, value, hidden)
                    if widget in ("select", "checkboxes", "checkbox")
                    else []
                ),
            )
        )
    return [(section_label(name), fields) for name, fields in sections.items()]


@register.inclusion_tag("customers/_fields.html")
def customer_fields(
    specs: Sequence[FieldSpec],
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]],
    masked: Collection[str] = (),
) -> dict[str, Any]:
    """Render the inputs of a customer form from a template version's field specs."""
    return {"sections": form_sections(specs, values, errors, masked)}


@register.inclusion_tag("customers/_values.html")
def customer_values(specs: Sequence[FieldSpec], data: Mapping[str, Any]) -> dict[str, Any]:
    """Render a customer's values by section: labels, choice labels, masked values marked."""
    language = _language()
    sections: dict[str, list[dict[str, Any]]] = {}
    for spec in specs:
        value = data["values"].get(spec.key)
        masked = spec.key in data["masked"]
        empty = value in (None, "", [])
        sections.setdefault(spec.section, []).append(
            {
                "key": spec.key,
                "label": spec.label(language),
                "text": "" if empty else (str(value) if masked else display_text(spec, value)),
                "masked": masked,
                "href": "" if masked or empty else contact_href(spec.type, value),
                "sms": "" if masked or empty or spec.type != "phone" else sms_href(value),
            }
        )
    return {"sections": [(section_label(name), rows) for name, rows in sections.items()]}


def contact_href(type_name: str, value: Any) -> str:
    """A tap-to-call or e-mail link for a whole phone number or address; "" for other values.

    Only for values the viewer sees whole: a masked value never becomes a link.
    """
    text = str(value or "").strip()
    if type_name == "phone":
        digits = "".join(ch for ch in text if ch.isdigit() or ch == "+")
        return f"tel:{digits}" if digits.lstrip("+") else ""
    if type_name == "email" and "@" in text:
        return "mailto:" + quote(text, safe="@+")
    return ""


def sms_href(value: Any) -> str:
    """A text-message link for a whole mobile number; "" for landlines and other values.

    Like ``contact_href``, only for values the viewer sees whole.
    """
    text = str(value or "").strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else "CN")
    except phonenumbers.NumberParseException:
        return ""
    if phonenumbers.number_type(number) not in _TEXTABLE:
        return ""
    return "sms:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_TEXTABLE = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


@register.simple_tag
def contact_links(specs: Sequence[FieldSpec], data: Mapping[str, Any]) -> list[dict[str, str]]:
    """Buttons for the first whole phone number and e-mail address: "Call", "SMS", "E-mail".

    A masked value gives no button (the viewer must not learn it from the link).
    """
    links: dict[str, dict[str, str]] = {}
    for spec in specs:
        if spec.type not in ("phone", "email") or spec.type in links:
            continue
        value = data["values"].get(spec.key)
        if value in (None, "", []) or spec.key in data["masked"]:
            continue
        href = contact_href(spec.type, value)
        if not href:
            continue
        # a button's words, not the field's name (both are "E-mail" in English)
        if spec.type == "phone":
            links["phone"] = {
                "href": href,
                "label": pgettext("contact button", "Call"),
                "key": spec.key,
            }
            sms = sms_href(value)
            if sms:
                links["sms"] = {
                    "href": sms,
                    "label": pgettext("contact button", "SMS"),
                    "key": f"{spec.key}_sms",
                }
        else:
            links["email"] = {
                "href": href,
                "label": pgettext("contact button", "E-mail"),
                "key": spec.key,
            }
    return list(links.values())


@register.filter
def phone_text(value: Any) -> str:
    """A stored phone number as people write it (masked ones are left as they are)."""
    text = str(value or "")
    return display_phone(text) if text.startswith("+") else text


@dataclass
class ChangedField:
    """A field someone else changed while the user was editing: what it holds now and before."""

    key: str
    label: str
    now: str
    started: str | None  # None when the form did not say what it started from
    typed: str


def _shown(spec: FieldSpec, value: Any, masked: bool) -> str:
    if value in (None, "", []):
        return "—"
    return str(value) if masked else display_text(spec, value)


def changed_fields(
    specs: Sequence[FieldSpec],
    now: Mapping[str, Any],
    started: Mapping[str, Any] | None,
    typed: Mapping[str, Any],
    masked: Collection[str] = (),
) -> list[ChangedField]:
    """The fields whose stored value changed since the form was loaded (as the actor sees them).

    ``now`` and ``started`` are values as presented to the actor (masked where it must be);
    without ``started`` the fields whose stored value differs from the one sent are listed.
    """
    language = _language()
    rows = []
    for spec in specs:
        current = input_value(spec, now.get(spec.key))
        if started is not None:
            differs = input_value(spec, started.get(spec.key)) != current
        else:
            differs = (
                spec.key in typed
                and spec.key not in masked
                and (input_value(spec, typed[spec.key]) != current)
            )
        if not differs:
            continue
        hidden = spec.key in masked
        rows.append(
            ChangedField(
                key=spec.key,
                label=spec.label(language),
                now=_shown(spec, now.get(spec.key), hidden),
                started=None if started is None else _shown(spec, started.get(spec.key), hidden),
                typed=_shown(spec, typed.get(spec.key), False) if not hidden else "—",
            )
        )
    return rows


def reapplied_values(
    specs: Sequence[FieldSpec],
    now: Mapping[str, Any],
    started: Mapping[str, Any] | None,
    typed: Mapping[str, Any],
) -> dict[str, Any]:
    """The form after a conflict: what the user changed, on top of what is stored now.

    A field the user left as it was loaded takes the stored value (someone else's change
    stays); a field the user changed keeps the user's input. Without ``started``, every
    input the user sent is kept.
    """
    values = dict(now)
    for key, entry in typed.items():
        spec = next((s for s in specs if s.key == key), None)
        if spec is None:
            continue
        untouched = started is not None and input_value(spec, started.get(key)) == input_value(
            spec, entry
        )
        if not untouched:
            values[key] = entry
    return values


@register.filter
def tag_style(colour: str) -> str:
    """The style of a tag: its colour as background, with black or white text, whichever reads."""
    background = valid_colour(colour)
    return f"background: {background}; color: {text_colour(background)}"
