"""The role-matrix rows that apps built on the core keep in their own ``tests/matrix.py``."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

from django.conf import settings


def app_matrices() -> list[ModuleType]:
    """The ``<app>.tests.matrix`` modules of Dossier's installed apps that have one."""
    found = []
    for app in settings.INSTALLED_APPS:
        if not app.startswith("dossier."):
            continue
        name = f"{app}.tests.matrix"
        if importlib.util.find_spec(f"{app}.tests") is None:
            continue
        if importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return found


def merged(rows: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """``rows`` with ``more`` added; a key in both is a mistake (two apps claim one row)."""
    twice = sorted(set(rows) & set(more))
    if twice:
        raise ValueError(f"role matrix rows named twice: {twice}")
    return {**rows, **more}
