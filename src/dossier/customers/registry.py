"""The customer-data registry: every table that holds a customer's data, and what to do with it.

Each app registers its models in ``AppConfig.ready``. Data-subject export, erasure,
retention and (next) merge iterate the registry, so they never name another app's models
and a new app plugs in without editing them. Purpose filters let an app that holds a reason
not to use a customer (a restriction, an objection) remove them from an audience.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.db.models import Model, QuerySet

from dossier.core.bulk_update import id_set
from dossier.customers.models import Customer

#: what erasure does with a table's rows: drop them, keep them (evidence, general figures),
#: or call the entry's ``anonymise`` hook
ErasureRule = Literal["delete", "keep", "anonymise"]


@dataclass(frozen=True)
class CustomerData:
    """One table of customer data and how each generic process treats it."""

    #: section of a data-subject export ("consent", "orders" …); rows of one key are merged
    key: str
    model: type[Model]
    #: JSON-ready data for the customer's copy of their data; None: not exported
    export: Callable[[Customer], Any] | None = None
    #: on erasure (and when retention anonymises): delete, keep, or anonymise with the hook
    erasure: ErasureRule = "delete"
    anonymise: Callable[[QuerySet[Any]], None] | None = None
    #: on merge: move the rows to the surviving customer; None keeps them on the merged one
    repoint: Callable[[Any, Any], int] | None = None
    #: figures this table adds to a customer's header ("orders": 3 …)
    figures: Callable[[Any], dict[str, Any]] | None = None
    customer_field: str = "customer_id"
    #: worked out from other rows by a refresh (scores, quality): a merge drops the merged
    #: customer's row and an un-merge leaves it to the next refresh, so a refresh after the
    #: merge is not "a change since" that would block undoing it
    derived: bool = False

    def rows(self, customer_ids: Sequence[Any]) -> QuerySet[Any]:
        """This table's rows for these customers."""
        return self.rows_in(id_set(customer_ids))

    def rows_in(self, ids: Any) -> QuerySet[Any]:
        """This table's rows for the customers of an :func:`id_set` (made once, used for
        every table)."""
        return self.model._default_manager.filter(**{f"{self.customer_field}__in": ids})


def repoint_rows(entry: CustomerData) -> Callable[[Any, Any], int]:
    """The usual merge hook: rewrite ``customer_id`` from the merged customer to the survivor."""

    def repoint(source_id: Any, target_id: Any) -> int:
        return int(entry.rows([source_id]).update(**{entry.customer_field: target_id}))

    return repoint


_ENTRIES: dict[str, CustomerData] = {}
_PURPOSE_FILTERS: list[Callable[[QuerySet[Customer], str], QuerySet[Customer]]] = []


def register(entry: CustomerData) -> CustomerData:
    """Declare a table of customer data (call from ``AppConfig.ready``)."""
    if entry.erasure == "anonymise" and entry.anonymise is None:
        raise ValueError(f"{entry.model.__name__}: erasure 'anonymise' needs an anonymise hook")
    _ENTRIES[entry.model._meta.label] = entry
    return entry


def unregister(model: type[Model]) -> None:
    """Forget a table (tests register throw-away models)."""
    _ENTRIES.pop(model._meta.label, None)


def entries() -> list[CustomerData]:
    """Every registered table, in registration order."""
    return list(_ENTRIES.values())


def export_sections(customer: Customer) -> dict[str, Any]:
    """Each registered table's part of a customer's copy of their data, by section key."""
    sections: dict[str, Any] = {}
    for entry in entries():
        if entry.export is None:
            continue
        data = entry.export(customer)
        if isinstance(data, dict) and isinstance(sections.get(entry.key), dict):
            sections[entry.key].update(data)
        else:
            sections[entry.key] = data
    return sections


def erase_rows(customer_ids: Sequence[Any]) -> dict[str, int]:
    """Apply every table's erasure rule to these customers' rows, in the caller's transaction."""
    done: dict[str, int] = {}
    ids = id_set(customer_ids)
    for entry in entries():
        rows = entry.rows_in(ids)
        if entry.erasure == "delete":
            done[entry.model._meta.label] = rows.delete()[0]
        elif entry.erasure == "anonymise" and entry.anonymise is not None:
            entry.anonymise(rows)
            done[entry.model._meta.label] = rows.count()
    return done


def repoint_customer_data(source_id: Any, target_id: Any) -> dict[str, int]:
    """Move every re-pointable row from a merged customer to the surviving one."""
    return {
        entry.model._meta.label: entry.repoint(source_id, target_id)
        for entry in entries()
        if entry.repoint is not None
    }


def customer_figures(customer_id: Any) -> dict[str, Any]:
    """Figures every table contributes to one customer's header."""
    figures: dict[str, Any] = {}
    for entry in entries():
        if entry.figures is not None:
            figures.update(entry.figures(customer_id))
    return figures


def register_purpose_filter(
    exclude: Callable[[QuerySet[Customer], str], QuerySet[Customer]],
) -> None:
    """Add a rule that removes customers who may not be used for a purpose (``marketing`` …)."""
    if exclude not in _PURPOSE_FILTERS:
        _PURPOSE_FILTERS.append(exclude)


def usable_for(queryset: QuerySet[Customer], purpose: str) -> QuerySet[Customer]:
    """The customers in ``queryset`` that every registered rule allows using for ``purpose``."""
    for exclude in _PURPOSE_FILTERS:
        queryset = exclude(queryset, purpose)
    return queryset


def registered_models() -> Iterable[type[Model]]:
    """The models of every registered table."""
    return [entry.model for entry in entries()]
