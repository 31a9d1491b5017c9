"""Fixtures of the data-subject request, retention and self-service tests (import with *)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User

from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.templates.models import Template
from dossier.templates.selectors import get_template

# the privacy permissions the lead is asked to give each role (accounts/roles.py); the
# administrator has every privacy permission already (ADMIN_APPS)
PROPOSED = {
    roles.MANAGER: ["handle_subjectrequest", "erase_customer"],
}
OLD_PHONE = "13800138000"
ID_NUMBER = "11010519491231002X"


@pytest.fixture
def privacy_roles(make_user: Callable[..., User]) -> None:
    """Give the roles the privacy permissions proposed for them."""
    for role, codenames in PROPOSED.items():
        group = Group.objects.get(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="privacy", codename__in=codenames)
        )


@pytest.fixture
def admin(make_user: Callable[..., User], privacy_roles: None) -> User:
    return make_user("privacy-admin", roles.ADMIN)


@pytest.fixture
def manager(make_user: Callable[..., User], privacy_roles: None) -> User:
    return make_user("zhou.min", roles.MANAGER, team="east")


@pytest.fixture
def sales(make_user: Callable[..., User], privacy_roles: None) -> User:
    return make_user("li.na", roles.SALES, team="east")


@pytest.fixture
def retail(db: Any) -> Template:
    return get_template(key="retail_member")


@pytest.fixture
def add_member(admin: User, retail: Template) -> Callable[..., Customer]:
    """A retail member with personal, sensitive-looking and general values."""
    count = iter(range(1000))

    def make(owner: User | None = None, **values: Any) -> Customer:
        n = next(count)
        values = {
            "display_name": f"张三{n}",
            "phone": f"1380013{8000 + n:04d}",
            "email": f"zhang{n}@example.com",
            "address": f"北京市朝阳区建国路{n}号",
            "birthday": "1990-06-15",
            "gender": "male",
            "city": "北京",
            "member_no": f"M{100000 + n}",
            "member_level": "gold",
            "points_balance": 100 + n,
            "total_spent": f"{1000 + n}.50",
            "wechat_id": f"wx_zhang{n}",
            "clothing_size": "l",
            **values,
        }
        return create_customer(actor=admin, template=retail, values=values, owner=owner or admin)

    return make


def general_sums() -> tuple[int, int, Decimal]:
    """Customer count, points and money spent over every customer row."""
    count, points, spent = 0, 0, Decimal(0)
    for attributes in Customer.objects.values_list("attributes", flat=True):
        count += 1
        points += int(attributes.get("points_balance") or 0)
        spent += Decimal(str(attributes.get("total_spent") or 0))
    return count, points, spent
