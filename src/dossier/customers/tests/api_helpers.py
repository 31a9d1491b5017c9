"""Helpers of the customer API tests: the team of actors and the paths they call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import User

from dossier.customers.models import Customer, Tag

ID_NUMBER = "11010519491231002X"


@dataclass
class Team:
    admin: User
    manager: User
    owner: User
    stranger: User
    marketer: User
    analyst: User
    customer: Customer
    tag: Tag


def url(team: Team, suffix: str = "") -> str:
    return f"/customers/{team.customer.pk}{suffix}"


def listing(params: dict[str, Any]) -> str:
    return f"/customers?{urlencode(params)}"


def codes(response: Any) -> set[tuple[str, str]]:
    return {(e["field"], e["code"]) for e in response.json()["errors"]}
