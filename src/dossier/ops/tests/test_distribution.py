"""The Citus plan (docs/scaling.md) against the models: distribution column, unique sets."""

from __future__ import annotations

from django.apps import apps

from dossier.customers import registry
from dossier.customers.models import Customer
from dossier.ops.distribution import (
    NOT_CO_LOCATED,
    REFERENCE_TABLES,
    UNIQUE_WITHOUT_CUSTOMER,
    distribution_column,
    lacks_column,
    unique_sets,
)


def _lacking() -> dict[tuple[str, tuple[str, ...]], str]:
    found = {}
    for entry in registry.entries():
        column = distribution_column(entry.model, entry.customer_field)
        assert column is not None
        for names in unique_sets(entry.model):
            if lacks_column(entry.model, names, column):
                found[(entry.model._meta.label, names)] = column
    return found


def test_every_customer_data_table_has_its_distribution_column() -> None:
    missing = [
        entry.model._meta.label
        for entry in registry.entries()
        if distribution_column(entry.model, entry.customer_field) != "customer_id"
    ]
    assert registry.entries(), "the registry is empty: apps not ready?"
    assert missing == []


def test_the_customer_table_is_distributed_by_its_own_id() -> None:
    assert Customer._meta.pk is not None and Customer._meta.pk.column == "id"
    assert unique_sets(Customer) == []  # nothing to enforce across shards


def test_every_unique_set_without_customer_id_is_in_the_plan() -> None:
    lacking = set(_lacking())
    assert sorted(lacking - set(UNIQUE_WITHOUT_CUSTOMER)) == [], "say in the plan what to do"
    assert sorted(set(UNIQUE_WITHOUT_CUSTOMER) - lacking) == [], "stale entries in the plan"


def test_reference_tables_exist_and_hold_no_customer_data() -> None:
    customer_tables = {m._meta.label for m in registry.registered_models()}
    for label in REFERENCE_TABLES:
        model = apps.get_model(label)  # LookupError if it went away
        assert label not in customer_tables, label
        assert model is not Customer


def test_a_table_left_out_of_co_location_has_a_nullable_customer_column() -> None:
    registered = {entry.model._meta.label: entry for entry in registry.entries()}
    nullable = {
        label
        for label, entry in registered.items()
        if entry.model._meta.get_field(entry.customer_field).null
    }
    assert set(NOT_CO_LOCATED) == nullable
