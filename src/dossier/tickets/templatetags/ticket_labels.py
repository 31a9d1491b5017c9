"""Template filters naming a ticket's state and priority in the page's language."""

from __future__ import annotations

from typing import Any

from django import template

from dossier.tickets.models import PRIORITY_LABELS, STATUS_LABELS

register = template.Library()


@register.filter
def status_label(value: Any) -> str:
    """The state in words: in_progress → 处理中 / in progress."""
    return str(STATUS_LABELS.get(str(value), value or ""))


@register.filter
def priority_label(value: Any) -> str:
    """The priority in words: urgent → 紧急 / urgent."""
    return str(PRIORITY_LABELS.get(str(value), value or ""))
