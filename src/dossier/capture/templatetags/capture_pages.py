"""Small helpers of the capture pages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.inclusion_tag("capture/_error.html")
def field_errors(errors: Mapping[str, list[str]], key: str) -> dict[str, Any]:
    """The messages under one input (``id="error_<key>"``)."""
    return {"key": key, "messages_list": list(errors.get(key, []))}
