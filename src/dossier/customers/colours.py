"""Tag colours: which text colour reads on a tag's background (WCAG 2 contrast). Pure."""

from __future__ import annotations

import re

_HEX = re.compile(r"#[0-9a-fA-F]{6}")
DEFAULT_COLOUR = "#6b7280"
BLACK, WHITE = "#000000", "#ffffff"


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """The WCAG relative luminance of a #rrggbb colour (0 black … 1 white)."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours, from 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def valid_colour(colour: str) -> str:
    """The colour if it is #rrggbb, else the default grey (never raw text in a style)."""
    return colour if _HEX.fullmatch(colour or "") else DEFAULT_COLOUR


def text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with the background (always at least 4.58:1)."""
    background = valid_colour(background)
    return max((BLACK, WHITE), key=lambda text: contrast_ratio(background, text))
