"""Demo history: every app's demo module is found and called with its volume."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import pytest

from dossier.site import demo_activity

pytestmark = pytest.mark.django_db


def _module(calls: list[dict[str, Any]]) -> Any:
    def fill_demo(**kwargs: Any) -> int:
        calls.append(kwargs)
        return int(len(kwargs["customers"]) * kwargs["per_customer"])

    return SimpleNamespace(fill_demo=fill_demo)


def test_each_module_gets_the_customers_its_volume_and_its_own_random_stream() -> None:
    orders: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    customers = [("c1", 1), ("c2", None)]
    made = demo_activity.fill_history(
        customers=customers,
        users=[],
        seed=7,
        volumes={"calls": 2.5},
        modules=[("orders", _module(orders)), ("calls", _module(calls))],
    )
    assert made == {"orders": 6, "calls": 5}
    assert orders[0]["customers"] == customers and orders[0]["per_customer"] == 3.0
    assert isinstance(calls[0]["rng"], random.Random)
    assert orders[0]["rng"].random() != calls[0]["rng"].random()


def test_no_customers_no_history() -> None:
    calls: list[dict[str, Any]] = []
    made = demo_activity.fill_history(
        customers=[], users=[], seed=1, modules=[("x", _module(calls))]
    )
    assert made == {} and calls == []


def test_demo_modules_are_the_apps_that_have_one() -> None:
    labels = [label for label, _module in demo_activity.demo_modules()]
    assert "site" not in labels and "customers" not in labels
    for label, module in demo_activity.demo_modules():
        assert callable(module.fill_demo), label
