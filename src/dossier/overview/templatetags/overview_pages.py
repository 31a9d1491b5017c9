"""Drawing the 360 view: a timeline entry's summary as short label–value pairs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import template

register = template.Library()


@register.filter
def summary_items(summary: Any) -> list[tuple[str, str]]:
    """(key, text) of each fact of an entry's summary (nested values written as JSON)."""
    if not isinstance(summary, Mapping):
        return []
    items = []
    for key, value in summary.items():
        if value in (None, "", [], {}):
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        items.append((str(key), text))
    return items
