"""Fixtures of the customer tests: a team of actors around one customer and one tag."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.customers import services
from dossier.customers.tests.api_helpers import ID_NUMBER, Team
from dossier.templates.models import Template


@pytest.fixture
def team(make_user: Callable[..., User], member_template: Template) -> Team:
    admin = make_user("boss", roles.ADMIN)
    owner = make_user("li.na", roles.SALES, team="east")
    customer = services.create_customer(
        actor=owner,
        template=member_template,
        values={
            "display_name": "張三",
            "phone": "13800138000",
            "email": "zhang.san@example.com",
            "id_number": ID_NUMBER,
            "member_no": "M000001",
        },
    )
    return Team(
        admin=admin,
        manager=make_user("wang", roles.MANAGER, team="east"),
        owner=owner,
        stranger=make_user("zhao", roles.SALES, team="west"),
        marketer=make_user("ma", roles.MARKETING),
        analyst=make_user("an", roles.ANALYST),
        customer=customer,
        tag=services.create_tag(actor=admin, name="VIP"),
    )
