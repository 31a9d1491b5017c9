"""A list registered for the tests (the real lists register in their apps' ``ready``)."""

from __future__ import annotations

from typing import Any

from dossier.accounts.selectors import role_of_cached
from dossier.core import roles
from dossier.savedviews.registry import register_list

LIST = "test-customers"
PARAMS = {"q", "tag", "status", "owner", "sort", "columns", "size", "created_from"}


def columns(actor: Any) -> list[tuple[str, str]]:
    """Everyone: name, phone, owner; managers and administrators also spend."""
    shown = [("name", "Name"), ("phone", "Phone"), ("owner", "Owner")]
    if role_of_cached(actor) in (roles.MANAGER, roles.ADMIN):
        shown.append(("spend", "Spend"))
    return shown


SPEC = register_list(
    LIST,
    params=PARAMS,
    columns=columns,
    page_sizes=(25, 50, 100),
    permission="customers.view_customer",
    url="customers:list",
)
