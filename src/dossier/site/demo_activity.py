"""Demo history for demo customers: orders, calls, complaints, tickets, tasks, opportunities …

Each app that keeps customer history may have a ``demo`` module with
``fill_demo(*, customers, users, rng, per_customer) -> int`` writing realistic rows in bulk
(a million orders must take minutes, not hours). This module finds them, so a new app's demo
data joins ``dossier demo`` without editing it.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from collections.abc import Callable, Mapping, Sequence
from types import ModuleType
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

#: rows per customer when the command names no volume for an app
DEFAULT_VOLUME = {
    "orders": 3.0,
    "interactions": 3.0,
    "feedback": 0.5,
    "tickets": 0.3,
    "followups": 0.5,
}


def demo_modules() -> list[tuple[str, ModuleType]]:
    """(app label, ``<app>.demo`` module) for each of Dossier's apps that has one."""
    found = []
    for app in settings.INSTALLED_APPS:
        if not app.startswith("dossier.") or app == "dossier.site":
            continue
        if importlib.util.find_spec(f"{app}.demo") is not None:
            found.append((app.rsplit(".", 1)[1], importlib.import_module(f"{app}.demo")))
    return found


def fill_history(
    *,
    customers: Sequence[tuple[Any, int | None]],
    users: Sequence[User],
    seed: int,
    volumes: Mapping[str, float] | None = None,
    modules: Sequence[tuple[str, ModuleType]] | None = None,
    advance: Callable[[str, int], None] = lambda label, n: None,
) -> dict[str, int]:
    """Give these (customer id, owner id) pairs a history from every app; rows made per app."""
    made: dict[str, int] = {}
    if not customers:
        return made
    wanted = {**DEFAULT_VOLUME, **(volumes or {})}
    for offset, (label, module) in enumerate(demo_modules() if modules is None else modules):
        rng = random.Random(seed * 1_000 + offset)
        with transaction.atomic():
            made[label] = int(
                module.fill_demo(
                    customers=list(customers),
                    users=list(users),
                    rng=rng,
                    per_customer=wanted.get(label, 1.0),
                )
            )
        advance(label, made[label])
    return made
