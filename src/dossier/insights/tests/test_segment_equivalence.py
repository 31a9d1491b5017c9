"""The compiled SQL keeps exactly the customers the pure-Python reference keeps.

Random data (``world.build_world``) and random rule trees (hypothesis) on SQLite and
PostgreSQL alike; any disagreement is shrunk by hypothesis to a small rule that shows it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dossier.accounts.models import Team
from dossier.core import roles
from dossier.customers.models import Tag
from dossier.insights.compiler import Moment
from dossier.insights.rules import parse_rules
from dossier.insights.selectors import matching
from dossier.insights.tests import world as w
from dossier.insights.tests.reference import World, members
from dossier.templates.models import Template

NUMBER_FIELDS = [
    "order_count",
    "total_spend",
    "return_count",
    "refund_total",
    "complaint_count",
    "open_tickets",
    "last_nps",
    "churn_risk",
    "clv",
]
DATE_FIELDS = [
    "first_purchase_at",
    "last_purchase_at",
    "last_interaction_at",
    "created_at",
    "updated_at",
]
CHOICES = {
    "kind": ["person", "company"],
    "gender": w.GENDERS,
    "city": w.CITIES,
    "province": ["上海", "浙江", ""],
    "source": w.SOURCES,
    "lifecycle": w.LIFECYCLES,
    "rfm_segment": w.RFM,
    "grade": w.GRADES,
}
NUMBER_OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "between"]


def _number_condition(field: str) -> st.SearchStrategy[dict[str, Any]]:
    values = st.integers(min_value=-1, max_value=12) | st.sampled_from([0, 250, 1000, "99.5"])
    single = st.builds(
        lambda op, v: {"field": field, "op": op, "value": v},
        st.sampled_from(NUMBER_OPS[:-1]),
        values,
    )
    pair = st.tuples(st.integers(0, 10), st.integers(0, 600)).map(
        lambda p: {"field": field, "op": "between", "value": sorted(p)}
    )
    extra = (
        [st.just({"field": field, "op": o}) for o in ("empty", "not_empty")]
        if field in ("last_nps", "churn_risk", "clv")
        else []
    )
    return st.one_of(single, pair, *extra)


def _date_condition(field: str) -> st.SearchStrategy[dict[str, Any]]:
    ops = ["within_days", "not_within_days", "before", "after"]
    if field not in ("created_at", "updated_at"):
        ops += ["empty", "not_empty"]

    def build(op: str, days: int, day: int) -> dict[str, Any]:
        if op in ("empty", "not_empty"):
            return {"field": field, "op": op}
        if op in ("before", "after"):
            return {"field": field, "op": op, "value": f"2026-{1 + day % 6:02d}-{1 + day % 28:02d}"}
        return {"field": field, "op": op, "value": days}

    return st.builds(build, st.sampled_from(ops), st.integers(0, 500), st.integers(0, 200))


def _choice_condition(field: str) -> st.SearchStrategy[dict[str, Any]]:
    values = CHOICES[field]
    return st.one_of(
        st.builds(
            lambda op, v: {"field": field, "op": op, "value": v},
            st.sampled_from(["eq", "ne"]),
            st.sampled_from(values),
        ),
        st.builds(
            lambda op, v: {"field": field, "op": op, "value": v},
            st.sampled_from(["in", "not_in"]),
            st.lists(st.sampled_from(values), min_size=1, max_size=3),
        ),
        st.builds(lambda op: {"field": field, "op": op}, st.sampled_from(["empty", "not_empty"])),
    )


def conditions(ids: dict[str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    window = st.builds(
        lambda field, op, v, days, extra: {"field": field, "op": op, "value": v, **days, **extra},
        st.sampled_from(["orders", "interactions", "complaints", "tickets"]),
        st.sampled_from(NUMBER_OPS[:-1]),
        st.integers(0, 4),
        st.sampled_from([{}, {"within_days": 30}, {"within_days": 200}]),
        st.just({}),
    )
    orders = st.builds(
        lambda op, v, metric, extra: {
            "field": "orders",
            "op": op,
            "value": v,
            "metric": metric,
            **extra,
        },
        st.sampled_from(NUMBER_OPS[:-1]),
        st.integers(0, 3) | st.sampled_from([100, 400]),
        st.sampled_from(["count", "spend"]),
        st.sampled_from(
            [{}, {"within_days": 90}, {"category": "手机"}, {"sku": "B2", "within_days": 300}]
        ),
    )
    interactions = st.builds(
        lambda op, v, channel: {"field": "interactions", "op": op, "value": v, "channel": channel},
        st.sampled_from(["gte", "lt", "eq"]),
        st.integers(0, 3),
        st.sampled_from(w.CHANNELS),
    )
    tags = st.builds(
        lambda op, v: {"field": "tags", "op": op, "value": v},
        st.sampled_from(["has_any", "has_all", "has_none"]),
        st.lists(st.sampled_from(ids["tags"]), min_size=1, max_size=3, unique=True),
    )
    people = st.builds(
        lambda field, op, v: {"field": field, "op": op, **({} if op == "empty" else {"value": v})},
        st.sampled_from(["owner", "team"]),
        st.sampled_from(["in", "not_in", "empty"]),
        st.lists(st.sampled_from(ids["people"]), min_size=1, max_size=2),
    )
    teams = st.builds(
        lambda op, v: {"field": "team", "op": op, "value": v},
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from(ids["teams"]), min_size=1, max_size=2),
    )
    template = st.builds(
        lambda op, v: {"field": "template", "op": op, "value": v},
        st.sampled_from(["in", "not_in"]),
        st.lists(st.sampled_from(ids["templates"]), min_size=1, max_size=2),
    )
    birthday = st.one_of(
        st.builds(
            lambda d: {"field": "birthday", "op": "birthday_within_days", "value": d},
            st.integers(0, 40) | st.just(365),
        ),
        st.builds(
            lambda lo, span: {"field": "birthday", "op": "age_between", "value": [lo, lo + span]},
            st.integers(0, 70),
            st.integers(0, 20),
        ),
        st.builds(
            lambda op: {"field": "birthday", "op": op}, st.sampled_from(["empty", "not_empty"])
        ),
    )
    company = st.builds(
        lambda op, v: {
            "field": "company",
            "op": op,
            **({} if op in ("empty", "not_empty") else {"value": v}),
        },
        st.sampled_from(["eq", "contains", "empty", "not_empty"]),
        st.sampled_from(["acme", "ACME", "华为", "Acme Trading", "x"]),
    )
    attribute = st.builds(
        lambda op, v: {
            "field": "attributes.level",
            "op": op,
            **({} if op in ("empty", "not_empty") else {"value": v}),
        },
        st.sampled_from(["eq", "ne", "in", "not_in", "empty", "not_empty", "contains"]),
        st.sampled_from(["gold", "silver", "3", "10", "GOL"]),
    ).map(lambda c: {**c, "value": [c["value"]]} if c["op"] in ("in", "not_in") else c)
    csat = st.builds(
        lambda op, v: {
            "field": "average_csat",
            "op": op,
            **({} if op in ("empty", "not_empty") else {"value": v}),
        },
        st.sampled_from(["gt", "gte", "lt", "lte", "empty", "not_empty"]),
        st.sampled_from([1, 2.5, 3, 4.5, 5]),
    )
    consent = st.builds(
        lambda op, channel: {
            "field": "consent",
            "op": op,
            "purpose": "marketing",
            "channel": channel,
        },
        st.sampled_from(["granted", "not_granted"]),
        st.sampled_from(["sms", "email"]),
    )
    return st.one_of(
        *[_number_condition(f) for f in NUMBER_FIELDS],
        *[_date_condition(f) for f in DATE_FIELDS],
        *[_choice_condition(f) for f in CHOICES],
        window,
        orders,
        interactions,
        tags,
        people,
        teams,
        template,
        birthday,
        company,
        attribute,
        csat,
        consent,
    )


def rule_trees(ids: dict[str, list[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        conditions(ids),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=6,
    )


@pytest.fixture
def people(make_user: Callable[..., User]) -> list[User]:
    return [
        make_user("seg.a", roles.SALES, team="east"),
        make_user("seg.b", roles.MANAGER, team="west"),
    ]


@pytest.fixture
def templates(member_template: Template) -> list[Template]:
    return [
        member_template,
        *Template.objects.exclude(pk=member_template.pk).filter(current_version__isnull=False)[:2],
    ]


def _ids(world: World) -> dict[str, list[Any]]:
    return {
        "tags": list(Tag.objects.values_list("pk", flat=True)),
        "people": sorted({c["owner"] for c in world.customers.values() if c["owner"]}) or [1],
        "teams": list(Team.objects.values_list("pk", flat=True)),
        "templates": sorted({c["template"] for c in world.customers.values()}),
    }


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_rules_keep_the_customers_the_reference_keeps(
    seed: int, people: list[User], templates: list[Template]
) -> None:
    world = w.build_world(seed, templates, people, size=45)
    moment = Moment(now=world.now, tz=world.tz)
    ids = _ids(world)

    @settings(
        max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(rules=rule_trees(ids))
    def check(rules: dict[str, Any]) -> None:
        node = parse_rules(rules)
        with CaptureQueriesContext(connection) as queries:
            found = set(matching(node, moment=moment).values_list("id", flat=True))
        expected = members(world, node)
        assert found == expected, rules
        # one SQL statement, whatever the tree (consent's purpose is looked up once before)
        assert len([q for q in queries if "consent_purpose" not in q["sql"]]) == 1

    check()


def test_the_reference_is_not_trivially_agreeing(
    people: list[User], templates: list[Template]
) -> None:
    """A guard for the test above: its rules select some customers and leave out others."""
    world = w.build_world(3, templates, people, size=45)
    moment = Moment(now=world.now, tz=world.tz)
    live = set(world.live())
    for rules in (
        {"field": "order_count", "op": "gte", "value": 3},
        {"field": "orders", "op": "gte", "value": 1, "within_days": 200},
        {"not": {"field": "tags", "op": "has_any", "value": _ids(world)["tags"][:2]}},
    ):
        node = parse_rules(rules)
        found = set(matching(node, moment=moment).values_list("id", flat=True))
        assert found == members(world, node)
        assert found and found != live, rules
