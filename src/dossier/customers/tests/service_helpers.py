"""Helpers of the customer service tests: a valid ID number, a quick customer, error codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from stdnum.cn import ric

from dossier.core.errors import ValidationFailed
from dossier.customers import services
from dossier.customers.models import Customer
from dossier.templates.models import Template

ID_NUMBER = "11010519491231002X"


def id_number(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


def new_customer(actor: User, template: Template, **values: Any) -> Customer:
    """A customer, look-alikes allowed: these tests are about other rules than duplicates."""
    values = {"display_name": "张三", "phone": "13800138000", **values}
    return services.create_customer(
        actor=actor, template=template, values=values, allow_duplicate=True
    )


def errors_of(caught: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in caught.value.errors}
