"""What the cleaning app plugs into: the customer-data registry."""

from __future__ import annotations

from dossier.cleaning.models import CleaningSuggestion
from dossier.customers.registry import CustomerData, register


def register_cleaning_tables() -> None:
    """Suggestions hold copies of a customer's values: erased with the customer's data.

    They are not exported (they are proposals, not data about the person) and not moved on
    a merge (read from a version of a customer that no longer stands on its own).
    """
    register(CustomerData(key="cleaning_suggestions", model=CleaningSuggestion, erasure="delete"))
