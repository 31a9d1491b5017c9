"""The nightly refresh: scores of hand-built buyers, replaced whole, usable by segments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.activity.models import CustomerFigures
from dossier.core import roles
from dossier.insights.models import CustomerScore, ScoreRefresh
from dossier.insights.rules import parse_rules
from dossier.insights.scoring import refresh_if_due, refresh_scores
from dossier.insights.selectors import matching
from dossier.privacy.erasure import erase_customer

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _buyer(
    make_customer: Callable[..., Any],
    owner: User,
    *,
    days_ago: int,
    orders: int,
    spend: int,
    first_days_ago: int | None = None,
    **more: Any,
) -> Any:
    customer = make_customer(owner)
    CustomerFigures.objects.create(
        customer=customer,
        first_purchase_at=NOW - timedelta(days=first_days_ago or days_ago),
        last_purchase_at=NOW - timedelta(days=days_ago),
        order_count=orders,
        total_spend=Decimal(spend),
        **more,
    )
    return customer


@pytest.fixture
def buyers(make_user: Callable[..., User], make_customer: Callable[..., Any]) -> dict[str, Any]:
    owner = make_user("score.owner", roles.SALES)
    made = {
        "champion": dict(days_ago=2, orders=12, spend=30000, first_days_ago=700),
        "slipping": dict(days_ago=400, orders=9, spend=8000, first_days_ago=900),
        "newcomer": dict(days_ago=5, orders=1, spend=80),
        "gone": dict(days_ago=600, orders=1, spend=40),
        "middling": dict(days_ago=90, orders=3, spend=1500, first_days_ago=400, complaint_count=1,
                         open_tickets=1, csat_total=4, csat_count=2, last_nps=3),
    }  # fmt: skip
    return {
        **{name: _buyer(make_customer, owner, **facts) for name, facts in made.items()},
        "never": make_customer(owner),
    }


def test_each_buyer_gets_rfm_segment_grade_and_churn_risk(buyers: dict[str, Any]) -> None:
    refresh = refresh_scores(now=NOW)
    assert refresh.customers == 5
    scores = {s.customer_id: s for s in CustomerScore.objects.all()}
    by_name = {name: scores.get(c.pk) for name, c in buyers.items()}
    assert by_name["never"] is None
    assert by_name["champion"].rfm_segment == "champions"
    assert by_name["gone"].rfm_segment == "lost"
    assert by_name["newcomer"].rfm_segment in ("new", "promising")
    assert by_name["slipping"].rfm_segment in ("at_risk", "cant_lose")
    assert [by_name[n].grade for n in ("champion", "slipping", "middling", "gone")] == [
        "A",
        "B",
        "C",
        "D",
    ]
    assert by_name["champion"].churn_risk < 20 < by_name["gone"].churn_risk
    assert set(by_name["middling"].churn_reasons) >= {
        "complained",
        "open_ticket",
        "low_csat",
        "detractor",
    }
    assert "inactive_180" in by_name["gone"].churn_reasons and by_name["gone"].recency_days == 600


def test_a_refresh_replaces_the_scores_and_leaves_out_erased_customers(
    buyers: dict[str, Any], admin_user: User
) -> None:
    refresh_scores(now=NOW)
    erase_customer(actor=admin_user, customer_id=buyers["gone"].pk)
    refresh_scores(now=NOW + timedelta(days=1))
    kept = set(CustomerScore.objects.values_list("customer_id", flat=True))
    assert buyers["gone"].pk not in kept and buyers["champion"].pk in kept
    assert CustomerScore.objects.count() == 4 and ScoreRefresh.objects.count() == 2


def test_segments_select_by_the_scores(buyers: dict[str, Any]) -> None:
    refresh_scores(now=NOW)
    node = parse_rules({"any": [{"field": "rfm_segment", "op": "in", "value": ["champions"]},
                                {"field": "churn_risk", "op": "gte", "value": 60}]})  # fmt: skip
    found = set(matching(node).values_list("id", flat=True))
    assert buyers["champion"].pk in found and buyers["never"].pk not in found
    assert buyers["gone"].pk in found


def test_the_nightly_job_refreshes_once_a_day(buyers: dict[str, Any]) -> None:
    assert refresh_if_due() is not None
    assert refresh_if_due() is None  # done less than a day ago
    ScoreRefresh.objects.update(started_at=timezone.now() - timedelta(hours=25))
    assert refresh_if_due() is not None


def test_bad_grade_thresholds_are_refused_naming_the_scenario(
    buyers: dict[str, Any], settings: Any
) -> None:
    settings.DOSSIER_GRADE_THRESHOLDS = {
        "retail_member": {"A": (10, 10), "B": (100, 100), "C": (1, 1)}
    }
    with pytest.raises(ValueError, match="retail_member"):
        refresh_scores(now=NOW)
    assert not CustomerScore.objects.exists()


def test_with_enough_repeat_buyers_the_purchase_model_gives_p_alive_and_lifetime_value(
    make_user: Callable[..., User], make_customer: Callable[..., Any]
) -> None:
    owner = make_user("model.owner", roles.SALES)
    for n in range(60):
        orders = 1 + n % 7
        # a third bought often, then stopped long ago: the data show dropping out, so the
        # dropout's parameters have a maximum (without them the fit may run off to infinity)
        stopped = n % 3 == 0 and orders > 2
        days_ago = 420 + n if stopped else 3 + (n * 37) % 500
        _buyer(make_customer, owner, days_ago=days_ago, orders=orders,
               spend=orders * (50 + n * 13), first_days_ago=600 + n)  # fmt: skip
    refresh = refresh_scores(now=NOW)
    assert refresh.model["fitted"] is True, refresh.model
    assert refresh.model["repeat_buyers"] >= 50
    assert set(refresh.model["bgnbd"]) == {"r", "alpha", "a", "b"}
    scores = list(CustomerScore.objects.all())
    assert all(s.clv is not None and 0 < s.p_alive <= 1 for s in scores)
    # of two buyers as frequent, the one who bought lately is the more alive and worth more
    frequent = [s for s in scores if s.frequency == 7]
    lately = min(frequent, key=lambda s: s.recency_days)
    long_ago = max(frequent, key=lambda s: s.recency_days)
    assert lately.p_alive > long_ago.p_alive and lately.clv > long_ago.clv
    assert lately.churn_risk < long_ago.churn_risk


def test_too_few_repeat_buyers_leave_the_model_unfitted_and_say_why(buyers: dict[str, Any]) -> None:
    refresh = refresh_scores(now=NOW)
    assert refresh.model == {"fitted": False, "reason": "fewer than 20 repeat buyers"}
    assert not CustomerScore.objects.filter(clv__isnull=False).exists()
