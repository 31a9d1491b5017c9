"""Fixtures of the matching tests: a team, five customers with rows of every registered kind."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.consent.services import grant_consent
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_tag, set_customer_tags, share_customer
from dossier.feedback.services import record_feedback
from dossier.followups.services import create_task
from dossier.interactions.services import log_interaction
from dossier.orders.services import attach_external_id, create_product, place_order
from dossier.pipeline.services import create_opportunity
from dossier.tickets.services import open_ticket


@pytest.fixture
def sales(make_user: Callable[..., User]) -> User:
    return make_user("wang.fang", roles.SALES, team="east")


@pytest.fixture
def colleague(make_user: Callable[..., User]) -> User:
    return make_user("li.na", roles.SALES, team="east")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    return make_user("chen.xi", roles.SALES, team="west")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("zhou.min", roles.MANAGER, team="east")


def add_history(actor: User, customer: Customer, n: int, products: dict[str, Any]) -> None:
    """One row of every kind a customer can have, ``n`` telling them apart."""
    attach_external_id(actor=actor, customer_id=customer.pk, source="tmall", external_id=f"VIP-{n}")
    place_order(
        actor=actor,
        values={
            "source": "tmall",
            "external_id": f"T-{n}",
            "customer_id": str(customer.pk),
            "channel": "web",
            "placed_at": "2026-03-01T10:00:00+08:00",
            "status": "paid",
            "lines": [{"sku": "MI-14", "qty": 1, "unit_price": "3999.00"}],
        },
    )
    log_interaction(
        actor=actor,
        customer_id=customer.pk,
        channel="phone",
        direction="outbound",
        subject=f"回访 {n}",
        notes=f"客户 {n} 说周五再联系",
    )
    record_feedback(
        actor=actor, customer_id=customer.pk, kind="praise", text=f"服务好 {n}", csat=5, nps=9
    )
    open_ticket(actor=actor, customer_id=customer.pk, subject=f"屏幕闪烁 {n}")
    create_task(
        actor=actor, customer_id=customer.pk, title=f"回访 {n}", due_at="2026-12-01T10:00:00+08:00"
    )
    create_opportunity(actor=actor, customer_id=customer.pk, title=f"换机 {n}", amount="5000.00")
    grant_consent(
        actor=actor,
        customer_id=customer.pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2024-05",
    )


@pytest.fixture
def products(admin_user: User) -> dict[str, Any]:
    return {
        "MI-14": create_product(
            actor=admin_user,
            sku="MI-14",
            name="小米手机 14",
            category="手机",
            brand="小米",
            price=Decimal("3999.00"),
        )
    }


@pytest.fixture
def five(
    sales: User,
    colleague: User,
    admin_user: User,
    make_customer: Callable[..., Any],
    products: dict[str, Any],
) -> list[Customer]:
    """Five records of one person (张伟), each with a history of every kind, two tags each."""
    names = ["张伟", "張偉", "Zhang Wei", "Wei Zhang", "张 伟"]
    made = [
        make_customer(
            sales,
            display_name=name,
            phone=f"1391234{n:04d}",
            city="上海" if n % 2 else "",
            allow_duplicate=True,
        )
        for n, name in enumerate(names)
    ]
    vip = create_tag(actor=admin_user, name="VIP")
    new = create_tag(actor=admin_user, name="新客")
    for n, customer in enumerate(made):
        set_customer_tags(
            actor=sales, customer_id=customer.pk, tag_ids=[vip.pk] if n % 2 else [vip.pk, new.pk]
        )
        add_history(sales, customer, n, products)
    share_customer(actor=sales, customer_id=made[1].pk, user=colleague)
    return [Customer.objects.get(pk=c.pk) for c in made]
