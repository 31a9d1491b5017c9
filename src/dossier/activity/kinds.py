"""What the 360 page can show: timeline kinds and quick actions, registered by the apps.

The activity app names no app: orders, interactions, tickets … register their timeline kind
(how to load and draw an entry) and their quick actions (a small form on the customer's page)
in ``AppConfig.ready``; the 360 page iterates what is registered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dossier.core.actors import MaybeActor

#: loads the rows behind entries: (actor, object ids) → {object id: row}; rows the actor may
#: not see are left out (the entry is then drawn from its summary alone)
Loader = Callable[[MaybeActor, Sequence[str]], dict[str, Any]]


@dataclass(frozen=True)
class TimelineKind:
    """One kind of entry on a customer's timeline."""

    key: str
    #: shown on the filter and the entry, e.g. gettext_lazy("Order")
    label: Any
    #: Django template drawing one entry; it gets ``entry`` and ``row`` (loaded or None)
    template: str
    load: Loader | None = None
    #: template scenarios whose customers show this kind's section; empty: every scenario
    scenarios: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class QuickAction:
    """A small form on the customer's page (log a call, open a ticket, create a task)."""

    key: str
    label: Any
    #: Django template of the form (htmx); it gets ``customer``
    template: str
    #: whether this actor may use it on this customer
    allowed: Callable[[MaybeActor, Any], bool]
    scenarios: Sequence[str] = field(default_factory=tuple)


_KINDS: dict[str, TimelineKind] = {}
_ACTIONS: dict[str, QuickAction] = {}


def register_kind(kind: TimelineKind) -> None:
    """Declare a timeline kind (call from ``AppConfig.ready``)."""
    _KINDS[kind.key] = kind


def register_quick_action(action: QuickAction) -> None:
    """Declare a quick action of the customer's page (call from ``AppConfig.ready``)."""
    _ACTIONS[action.key] = action


def kinds() -> list[TimelineKind]:
    """Every registered timeline kind, in registration order."""
    return list(_KINDS.values())


def kind(key: str) -> TimelineKind | None:
    """One registered kind, or None."""
    return _KINDS.get(key)


def quick_actions(actor: MaybeActor, customer: Any) -> list[QuickAction]:
    """The quick actions this actor may use on this customer, for its template's scenario."""
    scenario = customer.template.scenario
    fitting = [a for a in _ACTIONS.values() if not a.scenarios or scenario in a.scenarios]
    return [action for action in fitting if action.allowed(actor, customer)]
