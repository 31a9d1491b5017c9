"""Turning a submitted page form into the plain values the services take.

No rule about what is valid lives here: the template validator decides, via the service.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from dossier.core.fields import FieldSpec, get_type

# what a browser's <input type="datetime-local"> sends: a wall-clock time without a zone
_LOCAL_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$")


def _local_moment(text: str) -> str:
    """A datetime-local value read in the user's time zone (the zone the page showed it in)."""
    if not _LOCAL_DATETIME.match(text):
        return text  # anything else goes to the validator as typed
    offset = timezone.localtime().strftime("%z")
    return f"{text}{offset[:3]}:{offset[3:]}"


def typed_values(post: QueryDict, specs: Sequence[FieldSpec]) -> dict[str, Any]:
    """The form's inputs exactly as typed, by field key (to show them again after an error)."""
    typed: dict[str, Any] = {}
    for spec in specs:
        if spec.key not in post:
            continue
        if get_type(spec.type).widget == "checkboxes":
            typed[spec.key] = [v for v in post.getlist(spec.key) if v]
        else:
            typed[spec.key] = post.get(spec.key, "")
    return typed


def values_from_post(
    post: QueryDict, specs: Sequence[FieldSpec], *, keep_if_empty: Collection[str] = ()
) -> dict[str, Any]:
    """Values for create/update: one per field the form sent.

    Fields absent from the form are left out (so a template default applies on create).
    Fields in ``keep_if_empty`` (masked on the page) are only sent when something was typed,
    so a masked value is never overwritten by an empty input.
    """
    values: dict[str, Any] = {}
    for key, raw in typed_values(post, specs).items():
        if key in keep_if_empty and raw in ("", []):
            continue
        values[key] = raw
    for spec in specs:
        if spec.key in values and get_type(spec.type).widget == "datetime-local":
            values[spec.key] = _local_moment(str(values[spec.key]).strip())
    return values


def tag_ids_from_post(post: QueryDict) -> list[int]:
    """The ticked tag checkboxes."""
    return [int(v) for v in post.getlist("tags") if v.isdecimal()]


def version_from_post(post: QueryDict) -> int:
    """The customer version the form was built from.

    A form always sends it; one without it counts as stale (0) rather than overwriting blindly.
    """
    raw = post.get("version", "")
    return int(raw) if raw.isdecimal() else 0


def tag_fields_from_post(post: QueryDict) -> dict[str, str]:
    """Name, group and colour of a tag form."""
    return {
        "name": post.get("name", ""),
        "group": post.get("group", ""),
        "colour": post.get("colour", ""),
    }
