"""Users of two teams and the test list."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.savedviews.tests import lists  # noqa: F401  (registers the test list)


@pytest.fixture
def team(make_user: Callable[..., User]) -> dict[str, User]:
    """East: a manager, two sales users, a service user; west: a sales user and a manager;
    an administrator in east, an analyst, and an administrator without a team."""
    return {
        "manager": make_user("east-manager", roles.MANAGER, team="east"),
        "sales": make_user("east-sales", roles.SALES, team="east"),
        "sales2": make_user("east-sales2", roles.SALES, team="east"),
        "service": make_user("east-service", roles.SERVICE, team="east"),
        "admin": make_user("east-admin", roles.ADMIN, team="east"),
        "outsider": make_user("west-sales", roles.SALES, team="west"),
        "west_manager": make_user("west-manager", roles.MANAGER, team="west"),
        "analyst": make_user("analyst", roles.ANALYST),
        "loner_admin": make_user("loner-admin", roles.ADMIN),
    }
