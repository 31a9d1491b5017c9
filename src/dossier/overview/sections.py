"""The 360 view's sections on the customer's page: key figures, quick actions, the timeline.

Registered with the customers app's page (``customers.sections``) in ``AppConfig.ready``; the
same context builders serve the partial pages that htmx reloads (``views.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dossier.activity.kinds import quick_actions
from dossier.activity.selectors import figures_of
from dossier.core.actors import MaybeActor
from dossier.core.errors import ValidationFailed
from dossier.core.pages import query_text
from dossier.customers.models import Customer
from dossier.customers.sections import Section, register_section
from dossier.overview.selectors import Timeline, customer_timeline, header_figures


def header_context(actor: MaybeActor, customer_id: Any) -> dict[str, Any]:
    """The key figures of the header (NotFound for a customer the actor may not see)."""
    figures = figures_of(actor=actor, customer_id=customer_id)
    return {"customer_id": figures.customer_id, "figures": header_figures(figures)}


def _header(request: HttpRequest, customer: Customer) -> Mapping[str, Any]:
    return header_context(request.user, customer.pk)


def _actions(request: HttpRequest, customer: Customer) -> Mapping[str, Any] | None:
    if customer.erased_at is not None:  # nothing may change an erased customer
        return None
    actions = quick_actions(request.user, customer)
    if not actions:
        return None
    return {"customer": customer, "actions": actions}


def _link(base: str, **query: str) -> str:
    filled = {name: value for name, value in query.items() if value}
    return f"{base}?{urlencode(filled)}" if filled else base


def _urls(customer_id: Any, kind: str, timeline: Timeline) -> dict[str, Any]:
    """The chips' and the "more" button's addresses: the partial (htmx) and the whole page."""
    part = reverse("overview:timeline", args=[customer_id])
    page = reverse("customers:detail", args=[customer_id])
    chips = [
        {
            "key": key,
            "label": label,
            "part": _link(part, kind=key),
            "page": _link(page, kind=key),
            "current": key == kind,
        }
        for key, label in [("", _("All")), *((k.key, str(k.label)) for k in timeline.kinds)]
    ]
    more = timeline.next_cursor or ""
    return {
        "reload_url": _link(part, kind=kind),
        "chips": chips,
        "more_part": _link(part, kind=kind, cursor=more) if more else "",
        "more_page": _link(page, kind=kind, cursor=more) if more else "",
    }


def _problem(error: ValidationFailed) -> str:
    fields = {problem.field for problem in error.errors}
    if "cursor" in fields:
        return _("That part of the timeline could not be found; here are the newest entries.")
    return _("The timeline cannot be filtered that way; here is every kind.")


def more_context(
    actor: MaybeActor, customer: Customer, *, kind: str = "", cursor: str = ""
) -> dict[str, Any]:
    """A page of entries with the kind chips and the "more" button; ValidationFailed for a
    forged cursor or a kind this customer's timeline does not show."""
    timeline = customer_timeline(
        actor=actor, customer=customer, kinds=[kind] if kind else [], cursor=cursor
    )
    return {
        "customer_id": customer.pk,
        "timeline": timeline,
        "kind": kind,
        "problem": "",
        **_urls(customer.pk, kind, timeline),
    }


def timeline_context(
    actor: MaybeActor, customer: Customer, *, kind: str = "", cursor: str = ""
) -> dict[str, Any]:
    """The timeline section: a page of entries, the kind chips and the "more" button.

    A forged cursor or a kind this customer's timeline does not show is not an error page:
    the newest entries of every kind are shown with a friendly word (``problem``).
    """
    try:
        return more_context(actor, customer, kind=kind, cursor=cursor)
    except ValidationFailed as error:
        return {**more_context(actor, customer), "problem": _problem(error)}


def _timeline(request: HttpRequest, customer: Customer) -> Mapping[str, Any]:
    return timeline_context(
        request.user,
        customer,
        kind=query_text(request, "kind", limit=30),
        cursor=query_text(request, "cursor", limit=200),
    )


def register_overview_sections() -> None:
    """Put the header, the quick actions and the timeline on every customer's page."""
    register_section(
        Section(key="figures", template="overview/_header.html", context=_header, region="top")
    )
    register_section(
        Section(
            key="quick_actions",
            template="overview/_actions.html",
            context=_actions,
            region="main",
            order=10,
        )
    )
    register_section(
        Section(
            key="timeline",
            template="overview/_timeline.html",
            context=_timeline,
            region="main",
            order=20,
        )
    )
