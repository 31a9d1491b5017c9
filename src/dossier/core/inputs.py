"""Checks of a service's plain inputs (free text, a whole number in a range, one of some values,
a moment in a window), each appending a :class:`FieldError` with the catalogue's message.

They judge the value as sent, before trimming, so they agree with what the API document
says (``maxLength``, the text pattern without control characters, ``minimum``/``maximum``):
a request the document allows passes, and one it forbids is refused here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils import timezone

from dossier.core.fields import FieldError, FieldLabel

#: control characters but tab and line breaks (the same set as the text field type's)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: a whole number typed into a form (at most 18 digits: it must fit a database column)
_WHOLE = re.compile(r"-?[0-9]{1,18}")


def text(
    raw: Any,
    label: FieldLabel,
    errors: list[FieldError],
    *,
    max_length: int,
    required: bool = False,
) -> str:
    """Free text, trimmed; "" when absent (an error if ``required``)."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        errors.append(FieldError("invalid_text", spec=label))
        return ""
    if len(raw) > max_length:
        errors.append(FieldError("too_long", spec=label, max=max_length))
        return ""
    if _CONTROL.search(raw):
        errors.append(FieldError("control_characters", spec=label))
        return ""
    if required and not raw.strip():
        errors.append(FieldError("required", spec=label))
    return raw.strip()


def whole_number(
    raw: Any,
    label: FieldLabel,
    errors: list[FieldError],
    *,
    minimum: int,
    maximum: int,
) -> int | None:
    """A whole number within [minimum, maximum], or None when absent."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str) and _WHOLE.fullmatch(raw.strip()):
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int):
        errors.append(FieldError("invalid_integer", spec=label))
        return None
    if raw < minimum:
        errors.append(FieldError("too_small", spec=label, min=minimum))
        return None
    if raw > maximum:
        errors.append(FieldError("too_large", spec=label, max=maximum))
        return None
    return raw


def one_of(
    raw: Any,
    label: FieldLabel,
    errors: list[FieldError],
    values: Iterable[str],
    *,
    required: bool = True,
) -> str:
    """One of ``values`` exactly (no label matching: the document lists the values)."""
    allowed = list(values)
    if raw in (None, "") and not required:
        return ""
    if not isinstance(raw, str) or raw not in allowed:
        shown = str(raw)[:40] if raw is not None else ""
        code = "invalid_choice" if shown else "required"
        errors.append(FieldError(code, spec=label, value=shown))
        return ""
    return raw


def moment(
    raw: Any,
    label: FieldLabel,
    errors: list[FieldError],
    *,
    earliest: datetime,
    latest: datetime,
) -> datetime | None:
    """An aware date-time between ``earliest`` and ``latest``; a naive one is read in the
    shown time zone. None when absent."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
        except ValueError:
            errors.append(FieldError("invalid_datetime", spec=label))
            return None
    if not isinstance(raw, datetime):
        errors.append(FieldError("invalid_datetime", spec=label))
        return None
    low = timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M")
    high = timezone.localtime(latest).strftime("%Y-%m-%d %H:%M")
    # years far out overflow when their offset is applied: refuse them before comparing
    if not earliest.year - 1 <= raw.year <= latest.year + 1:
        errors.append(FieldError("date_out_of_range", spec=label, min=low, max=high))
        return None
    if timezone.is_naive(raw):
        raw = timezone.make_aware(raw)
    if not earliest <= raw <= latest:
        errors.append(FieldError("date_out_of_range", spec=label, min=low, max=high))
        return None
    return raw
