"""Plain input checks agree with what the API document says of the same fields."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from dossier.core import inputs
from dossier.core.fields import FieldError, FieldLabel

LABEL = FieldLabel("notes", "备注", "Notes")


def _codes(check: Any, raw: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
    errors: list[FieldError] = []
    value = check(raw, LABEL, errors, *args, **kwargs)
    return value, [e.code for e in errors]


def test_text_is_judged_as_sent_then_trimmed() -> None:
    assert _codes(inputs.text, "  好 ", max_length=4) == ("好", [])
    # four characters sent: too long, even though three remain once trimmed
    assert _codes(inputs.text, "好好好 ", max_length=3)[1] == ["too_long"]
    assert _codes(inputs.text, "tab\tand\nlines", max_length=50)[1] == []
    assert _codes(inputs.text, "nul\x00", max_length=50)[1] == ["control_characters"]
    assert _codes(inputs.text, "   ", max_length=5, required=True)[1] == ["required"]
    assert _codes(inputs.text, None, max_length=5) == ("", [])
    assert _codes(inputs.text, 5, max_length=5)[1] == ["invalid_text"]


@pytest.mark.parametrize(
    ("raw", "value", "codes"),
    [
        (3, 3, []),
        ("3", 3, []),
        (" -2 ", None, ["too_small"]),
        (11, None, ["too_large"]),
        (True, None, ["invalid_integer"]),
        (2.5, None, ["invalid_integer"]),
        ("--3", None, ["invalid_integer"]),
        ("３", None, ["invalid_integer"]),
        (None, None, []),
        ("", None, []),
    ],
)
def test_whole_numbers(raw: Any, value: Any, codes: list[str]) -> None:
    assert _codes(inputs.whole_number, raw, minimum=0, maximum=10) == (value, codes)


def test_one_of_takes_values_exactly() -> None:
    assert _codes(inputs.one_of, "sms", ["sms", "email"]) == ("sms", [])
    assert _codes(inputs.one_of, "SMS", ["sms", "email"])[1] == ["invalid_choice"]
    assert _codes(inputs.one_of, "", ["sms"])[1] == ["required"]
    assert _codes(inputs.one_of, "", ["sms"], required=False) == ("", [])


def test_moments_inside_the_window_only() -> None:
    now = timezone.now()
    window = {"earliest": now - timedelta(days=1), "latest": now}
    inside = now - timedelta(hours=1)
    assert _codes(inputs.moment, inside, **window) == (inside, [])
    assert _codes(inputs.moment, inside.isoformat(), **window) == (inside, [])
    naive = timezone.localtime(inside).replace(tzinfo=None)
    assert _codes(inputs.moment, naive, **window)[0] == inside  # read in the shown zone
    for far in (now + timedelta(days=2), datetime(1, 1, 1), "9999-12-31T23:59:59+14:00"):
        assert _codes(inputs.moment, far, **window)[1] == ["date_out_of_range"]
    assert _codes(inputs.moment, "tomorrow", **window)[1] == ["invalid_datetime"]
