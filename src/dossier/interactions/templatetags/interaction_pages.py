"""Drawing interactions: labels of their codes (a timeline entry holds codes) and durations."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from dossier.interactions.models import Channel, Direction, Outcome

register = template.Library()


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


@register.filter
def channel_label(value: Any) -> str:
    return _label(Channel, value)


@register.filter
def direction_label(value: Any) -> str:
    return _label(Direction, value)


@register.filter
def outcome_label(value: Any) -> str:
    return _label(Outcome, value)


@register.filter
def duration(seconds: Any) -> str:
    """12:05 → "12 min 5 s"; an hour or more as "1 h 2 min"."""
    if seconds in (None, ""):
        return ""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    if minutes:
        return (
            _("%(m)d min %(s)d s") % {"m": minutes, "s": secs}
            if secs
            else _("%(m)d min") % {"m": minutes}
        )
    return _("%(s)d s") % {"s": secs}


@register.simple_tag
def call_channels() -> list[tuple[str, str]]:
    """The channels a call can come by (a note is not a call)."""
    voice = (Channel.PHONE, Channel.HOTLINE, Channel.WECHAT, Channel.LIVE_CHAT)
    return [(c.value, str(c.label)) for c in voice]


@register.simple_tag
def outcome_options() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in Outcome.choices]
