"""What the 360 view reads: the customer's timeline as the viewer may see it, and the figures.

Every read starts from the access entry point (``customer_for`` here, and again inside the
activity selectors). Which timeline kinds a customer shows follows their template's scenario
(``TimelineKind.scenarios``); an entry of a kind nobody registered is shown from its summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from dossier.activity import kinds as registered
from dossier.activity.kinds import TimelineKind
from dossier.activity.models import CustomerFigures, TimelineEntry
from dossier.activity.selectors import timeline_page
from dossier.core.actors import MaybeActor
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.core.fields.numbers import display_money
from dossier.customers.access import customer_for, restrict_owned
from dossier.customers.models import Customer

#: entries on the first page and on each "more"
PAGE_SIZE = 20
#: the most entries one API call may ask for
MAX_LIMIT = 100
KIND_FIELD = FieldLabel("kinds", "类型", "Kinds")


@dataclass(frozen=True)
class TimelineLine:
    """One entry as the page draws it: its registered kind (None if unknown) and its row."""

    entry: TimelineEntry
    kind: TimelineKind | None
    #: the loaded row, or None (the viewer may not load it, or the kind has no loader)
    row: Any

    @property
    def label(self) -> str:
        return str(self.kind.label) if self.kind is not None else self.entry.kind


@dataclass(frozen=True)
class Timeline:
    """A page of a customer's timeline, newest first, and the kinds it may be filtered by."""

    lines: list[TimelineLine]
    next_cursor: str | None
    #: the registered kinds this customer's template shows (the filter's choices)
    kinds: list[TimelineKind]
    #: the kinds asked for (empty: all)
    chosen: list[str]


def shown_kinds(customer: Customer) -> list[TimelineKind]:
    """The registered kinds whose scenarios include the customer's template's (or all)."""
    scenario = customer.template.scenario
    return [k for k in registered.kinds() if not k.scenarios or scenario in k.scenarios]


def _kinds_to_read(actor: MaybeActor, customer: Customer, chosen: list[str]) -> list[str] | None:
    """The kinds to ask the timeline for; None: every kind (nothing is left out)."""
    shown = shown_kinds(customer)
    keys = [k.key for k in shown]
    unknown = [key for key in chosen if key not in keys]
    if unknown:
        raise ValidationFailed(
            _("The timeline cannot be filtered by that kind."),
            errors=[FieldError("invalid_choice", spec=KIND_FIELD, value=", ".join(unknown))],
        )
    if chosen:
        return chosen
    if len(shown) == len(registered.kinds()):
        return None
    # some registered kinds do not fit this scenario: name the others, and keep the entries
    # of kinds nobody registered (they are drawn from their summary)
    entries = restrict_owned(TimelineEntry.objects.filter(customer_id=customer.pk), actor)
    present = entries.values_list("kind", flat=True).distinct().order_by()
    return keys + [key for key in present if registered.kind(key) is None]


def customer_timeline(
    *,
    actor: MaybeActor,
    customer: Customer,
    kinds: list[str] | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Timeline:
    """One page of the timeline of a customer the actor may see, optionally of some kinds.

    ValidationFailed for a kind the customer's timeline does not show or a forged cursor.
    """
    chosen = list(dict.fromkeys(kinds or []))
    page = timeline_page(
        actor=actor,
        customer_id=customer.pk,
        kinds=_kinds_to_read(actor, customer, chosen),
        cursor=cursor or None,
        limit=min(max(limit, 1), MAX_LIMIT),
    )
    lines = [
        TimelineLine(
            entry=entry,
            kind=registered.kind(entry.kind),
            row=page.rows.get((entry.kind, entry.object_id)),
        )
        for entry in page.entries
    ]
    return Timeline(
        lines=lines, next_cursor=page.next_cursor, kinds=shown_kinds(customer), chosen=chosen
    )


def visible_customer(*, actor: MaybeActor, customer_id: Any) -> Customer:
    """The customer whose 360 view this is (NotFound for one the actor may not see)."""
    return customer_for(actor, customer_id)


def timeline_of(
    *,
    actor: MaybeActor,
    customer_id: Any,
    kinds: list[str] | None = None,
    cursor: str | None = None,
    limit: int = PAGE_SIZE,
) -> Timeline:
    """:func:`customer_timeline` for a customer id (NotFound for one the actor may not see)."""
    customer = customer_for(actor, customer_id)
    return customer_timeline(
        actor=actor, customer=customer, kinds=kinds, cursor=cursor, limit=limit
    )


# ---- the header's figures --------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One figure of the header: its label and text ("" where nothing happened yet)."""

    key: str
    label: str
    text: str
    #: the moment behind a date figure, for a <time> element
    moment: datetime | None = None


_LABELS = {
    "order_count": pgettext_lazy("customer figure", "Orders"),
    "total_spend": pgettext_lazy("customer figure", "Total spend"),
    "average_order_value": pgettext_lazy("customer figure", "Average order"),
    "last_purchase_at": pgettext_lazy("customer figure", "Last purchase"),
    "return_count": pgettext_lazy("customer figure", "Returns"),
    "complaint_count": pgettext_lazy("customer figure", "Complaints"),
    "open_tickets": pgettext_lazy("customer figure", "Open tickets"),
    "last_interaction_at": pgettext_lazy("customer figure", "Last interaction"),
    "average_csat": pgettext_lazy("customer figure", "Average CSAT"),
    "last_nps": pgettext_lazy("customer figure", "Last NPS"),
}


def _count(value: int) -> str:
    return str(value) if value else ""


def _money(value: Decimal | None) -> str:
    return display_money(value) if value is not None else ""


def _day(moment: datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d") if moment is not None else ""


def header_figures(figures: CustomerFigures) -> list[Figure]:
    """The header's figures, blank rather than 0 where nothing happened."""
    bought = bool(figures.order_count)
    texts: dict[str, tuple[str, datetime | None]] = {
        "order_count": (_count(figures.order_count), None),
        "total_spend": (_money(figures.total_spend) if bought else "", None),
        "average_order_value": (_money(figures.average_order_value), None),
        "last_purchase_at": (_day(figures.last_purchase_at), figures.last_purchase_at),
        # no returns out of some orders is a fact; before any order there is nothing to say
        "return_count": (
            str(figures.return_count) if bought else _count(figures.return_count),
            None,
        ),
        "complaint_count": (_count(figures.complaint_count), None),
        "open_tickets": (_count(figures.open_tickets), None),
        "last_interaction_at": (_day(figures.last_interaction_at), figures.last_interaction_at),
        "average_csat": (
            f"{figures.average_csat} / 5" if figures.average_csat is not None else "",
            None,
        ),
        # an NPS of 0 is an answer: only a missing one is blank
        "last_nps": ("" if figures.last_nps is None else str(figures.last_nps), None),
    }
    return [
        Figure(key=key, label=str(_LABELS[key]), text=text, moment=moment)
        for key, (text, moment) in texts.items()
    ]
