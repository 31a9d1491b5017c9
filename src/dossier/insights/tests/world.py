"""Random customers with orders, figures, scores, tags and consent, in the database and as
plain values (a :class:`reference.World`), for checking the compiler against the reference.

Rows are written straight with ``bulk_create`` (not through the services): the test is about
reading, and the values must be exactly those the reference sees.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from dossier.accounts.models import Team
from dossier.activity.models import CustomerFigures
from dossier.consent.models import ConsentEvent, Purpose
from dossier.customers.ids import uuid7
from dossier.customers.models import Customer, CustomerTag, Tag
from dossier.feedback.models import Feedback
from dossier.insights.models import CustomerScore
from dossier.insights.tests.reference import World
from dossier.interactions.models import Interaction
from dossier.orders.models import Order, OrderLine, Product
from dossier.templates.models import Template
from dossier.tickets.models import Ticket

NOW = datetime(2026, 6, 15, 4, 30, tzinfo=ZoneInfo("UTC"))
TZ = ZoneInfo("Asia/Shanghai")
CITIES = ["上海", "北京", "杭州", ""]
GENDERS = ["female", "male", ""]
LIFECYCLES = ["lead", "customer", "vip", ""]
SOURCES = ["store", "web", ""]
COMPANIES = ["", "Acme Trading", "华为技术", "acme"]
STATUSES = ["paid", "completed", "refunded", "cancelled", "pending", "shipped"]
CATEGORIES = ["手机", "家电", "食品"]
SKUS = ["A1", "B2", "C3", "D4"]
RFM = ["champions", "at_risk", "lost", ""]
GRADES = ["A", "B", "C", ""]
CHANNELS = ["phone", "wechat", "email"]
ATTRIBUTE_VALUES = ["gold", "silver", "", None, 3, 10]


def _when(rng: random.Random, days: int = 400) -> datetime:
    return NOW - timedelta(
        days=rng.randint(0, days), hours=rng.randint(0, 23), minutes=rng.randint(0, 59)
    )


def _maybe(rng: random.Random, value: Any, chance: float = 0.7) -> Any:
    return value if rng.random() < chance else None


def build_world(seed: int, templates: list[Template], users: list[User], size: int = 40) -> World:
    """``size`` customers with their rows, in the database and in the returned world."""
    rng = random.Random(seed)
    world = World(now=NOW, tz=TZ)
    teams = list(Team.objects.all()) or [Team.objects.create(name=f"team-{seed}")]
    tags = [Tag.objects.create(name=f"tag{seed}-{i}") for i in range(4)]
    products = {
        sku: Product.objects.get_or_create(
            sku=sku, defaults={"name": sku, "category": rng.choice(CATEGORIES), "price": 1}
        )[0]
        for sku in SKUS
    }
    purpose = Purpose.objects.get_or_create(key="marketing", defaults={"name_zh": "营销"})[0]
    customers, rows = [], {}
    for i in range(size):
        template = rng.choice(templates)
        owner = rng.choice([*users, None])
        attrs = {k: v for k, v in {"level": rng.choice(ATTRIBUTE_VALUES)}.items() if v is not None}
        born = _maybe(rng, date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 60)))
        if rng.random() < 0.2:  # near today's month and day, for birthday windows
            born = date(1990, 6, 14) + timedelta(days=rng.randint(0, 20))
        customer = Customer(
            id=uuid7(),
            display_name=f"c{i}",
            kind=rng.choice(["person", "company"]),
            gender=rng.choice(GENDERS),
            city=rng.choice(CITIES),
            province=rng.choice(["上海", "浙江", ""]),
            district="",
            source=rng.choice(SOURCES),
            lifecycle=rng.choice(LIFECYCLES),
            company=rng.choice(COMPANIES),
            birthday=born,
            template=template,
            template_version=template.current_version,
            attributes=attrs,
            owner=owner,
            team=rng.choice([*teams, None]),
            deleted_at=NOW if rng.random() < 0.05 else None,
            erased_at=NOW if rng.random() < 0.05 else None,
        )
        customers.append(customer)
    Customer.objects.bulk_create(customers)
    for customer in customers:
        created = _when(rng, 800)
        updated = created + timedelta(days=rng.randint(0, 30))
        Customer.objects.filter(pk=customer.pk).update(created_at=created, updated_at=updated)
        world.customers[customer.pk] = {
            "kind": customer.kind,
            "gender": customer.gender,
            "city": customer.city,
            "province": customer.province,
            "district": "",
            "source": customer.source,
            "lifecycle": customer.lifecycle,
            "company": customer.company,
            "birthday": customer.birthday,
            "template": customer.template.key,
            "owner": customer.owner_id,
            "team": customer.team_id,
            "attributes": customer.attributes,
            "created_at": created,
            "updated_at": updated,
            "deleted": customer.deleted_at is not None,
            "erased": customer.erased_at is not None,
        }
        rows[customer.pk] = customer
    _tags(rng, world, customers, tags)
    _figures_and_scores(rng, world, customers)
    _orders(rng, world, customers, products)
    _history(rng, world, customers, purpose)
    return world


def _tags(rng: random.Random, world: World, customers: list[Customer], tags: list[Tag]) -> None:
    links = []
    for customer in customers:
        chosen = {t for t in tags if rng.random() < 0.3}
        world.tags[customer.pk] = {t.pk for t in chosen}
        links += [CustomerTag(customer=customer, tag=t) for t in chosen]
    CustomerTag.objects.bulk_create(links)


def _figures_and_scores(rng: random.Random, world: World, customers: list[Customer]) -> None:
    figures, scores = [], []
    for customer in customers:
        if rng.random() < 0.75:
            row = {
                "order_count": rng.randint(0, 6),
                "total_spend": Decimal(rng.randint(0, 5000)) / 4,
                "return_count": rng.randint(0, 2),
                "refund_total": Decimal(rng.randint(0, 300)),
                "complaint_count": rng.randint(0, 3),
                "open_tickets": rng.randint(0, 2),
                "last_nps": _maybe(rng, rng.randint(0, 10)),
                "first_purchase_at": _maybe(rng, _when(rng)),
                "last_purchase_at": _maybe(rng, _when(rng, 200)),
                "last_interaction_at": _maybe(rng, _when(rng, 100)),
                "csat_count": rng.randint(0, 3),
            }
            row["csat_total"] = sum(rng.randint(1, 5) for _ in range(row["csat_count"]))
            world.figures[customer.pk] = row
            figures.append(CustomerFigures(customer=customer, **row))
        if rng.random() < 0.7:
            score = {
                "rfm_segment": rng.choice(RFM),
                "grade": rng.choice(GRADES),
                "churn_risk": _maybe(rng, rng.randint(0, 100)),
                "clv": _maybe(rng, Decimal(rng.randint(0, 900))),
            }
            world.scores[customer.pk] = score
            scores.append(CustomerScore(customer=customer, refreshed_at=NOW, **score))
    CustomerFigures.objects.bulk_create(figures)
    CustomerScore.objects.bulk_create(scores)


def _orders(
    rng: random.Random, world: World, customers: list[Customer], products: dict[str, Product]
) -> None:
    for customer in customers:
        for n in range(rng.choice([0, 0, 1, 2, 3, 5])):
            status = rng.choice(STATUSES)
            placed = _when(rng)
            order = Order.objects.create(
                customer=customer,
                source="test",
                external_id=f"{customer.pk}-{n}",
                channel="store",
                placed_at=placed,
                status=status,
                total=Decimal(0),
            )
            lines, total = [], Decimal(0)
            for position, sku in enumerate(rng.sample(SKUS, rng.randint(1, 2)), start=1):
                line_total = Decimal(rng.randint(1, 400))
                refunded = rng.choice([Decimal(0), Decimal(0), Decimal(5)])
                OrderLine.objects.create(
                    order=order,
                    customer=customer,
                    position=position,
                    product=products[sku],
                    sku=sku,
                    name=sku,
                    qty=1,
                    unit_price=line_total,
                    line_total=line_total,
                    refunded=refunded,
                )
                lines.append(
                    {
                        "sku": sku,
                        "category": products[sku].category,
                        "line_total": line_total,
                        "refunded": refunded,
                    }
                )
                total += line_total
            refunded_total = sum((line["refunded"] for line in lines), Decimal(0))
            Order.objects.filter(pk=order.pk).update(total=total, refunded=refunded_total)
            world.orders.append(
                {
                    "customer": customer.pk,
                    "status": status,
                    "placed_at": placed,
                    "total": total,
                    "refunded": refunded_total,
                    "lines": lines,
                }
            )


def _history(rng: random.Random, world: World, customers: list[Customer], purpose: Purpose) -> None:
    for customer in customers:
        for _ in range(rng.choice([0, 1, 3])):
            at, channel = _when(rng), rng.choice(CHANNELS)
            Interaction.objects.create(
                customer=customer, channel=channel, direction="inbound", occurred_at=at
            )
            world.interactions.append(
                {"customer": customer.pk, "channel": channel, "occurred_at": at}
            )
        for _ in range(rng.choice([0, 1, 2])):
            at, kind = _when(rng), rng.choice(["complaint", "praise"])
            Feedback.objects.create(customer=customer, kind=kind, received_at=at)
            world.feedback.append({"customer": customer.pk, "kind": kind, "received_at": at})
        for _ in range(rng.choice([0, 1])):
            at = _when(rng)
            Ticket.objects.create(customer=customer, subject="t", due_at=at, created_at=at)
            world.tickets.append({"customer": customer.pk, "created_at": at})
        for channel in ("sms", "email"):
            decisions = [rng.choice(["granted", "withdrawn"]) for _ in range(rng.choice([0, 1, 2]))]
            for action in decisions:
                ConsentEvent.objects.create(
                    customer=customer,
                    purpose=purpose,
                    channel=channel,
                    action=action,
                    source="staff",
                )
            if decisions:
                world.consent[(customer.pk, "marketing", channel)] = decisions[-1] == "granted"
