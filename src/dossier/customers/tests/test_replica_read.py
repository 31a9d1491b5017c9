"""The record page's read of one customer asks the database routers (a replica may answer),
while the API's read with its token check stays on the primary."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from dossier.customers.models import Customer
from dossier.customers.selectors import get_customer

pytestmark = pytest.mark.django_db


class AskedRouter:
    """Answers every read with the primary, remembering which models were asked about."""

    asked: ClassVar[list[Any]] = []

    def db_for_read(self, model: Any, **hints: Any) -> str:
        AskedRouter.asked.append(model)
        return "default"


def test_one_customer_is_read_where_the_routers_say(
    settings: Any, make_customer: Any, admin_user: Any
) -> None:
    customer = make_customer(admin_user, display_name="张三")
    AskedRouter.asked.clear()
    settings.DATABASE_ROUTERS = [f"{__name__}.AskedRouter"]
    shown = get_customer(actor=admin_user, customer_id=customer.pk)
    assert shown["values"]["display_name"] == "张三"
    assert Customer in AskedRouter.asked
