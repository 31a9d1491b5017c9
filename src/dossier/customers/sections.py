"""Parts that apps above the customers app add to a customer's page (the 360 view).

The customers app sits below the apps that know about figures, timelines or quick actions,
so it cannot call them: they register a section here in ``AppConfig.ready`` and the detail
page draws what is registered, in its region and order.

Regions: ``top`` (above everything: the key figures), ``main`` (the wide column, before the
profile facts on a phone: quick actions, the timeline) and ``side`` (after the profile facts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from dossier.customers.models import Customer

Region = Literal["top", "main", "side"]
REGIONS: tuple[Region, ...] = ("top", "main", "side")

#: (request, customer) → the section template's context, or None to leave the section out
SectionContext = Callable[[HttpRequest, Customer], Mapping[str, Any] | None]


@dataclass(frozen=True)
class Section:
    """One part of the customer's page, drawn by ``template`` with what ``context`` returns."""

    key: str
    template: str
    context: SectionContext
    region: Region = "main"
    #: smaller first within a region
    order: int = 100


_SECTIONS: dict[str, Section] = {}


def register_section(section: Section) -> None:
    """Add a section to every customer's page (call from ``AppConfig.ready``)."""
    if section.region not in REGIONS:
        raise ValueError(f"{section.key}: no such region {section.region!r}")
    _SECTIONS[section.key] = section


def unregister_section(key: str) -> None:
    """Take a section off the page (tests; an app switched off)."""
    _SECTIONS.pop(key, None)


def sections() -> list[Section]:
    """Every registered section, by region and order."""
    return sorted(_SECTIONS.values(), key=lambda s: (REGIONS.index(s.region), s.order, s.key))


def render_sections(request: HttpRequest, customer: Customer) -> dict[str, list[SafeString]]:
    """The HTML of each region's sections for this viewer and customer, in order."""
    drawn: dict[str, list[SafeString]] = {region: [] for region in REGIONS}
    for section in sections():
        context = section.context(request, customer)
        if context is None:
            continue
        html = render_to_string(section.template, dict(context), request=request)
        # the section's template escaped what it drew, as every page's does
        drawn[section.region].append(mark_safe(html))
    return drawn
