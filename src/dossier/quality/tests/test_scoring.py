"""The pure arithmetic: weights, completeness, freshness's decay, staleness."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dossier.quality import scoring

NOW = datetime(2026, 12, 1, tzinfo=UTC)
FIELDS = [("name", True), ("phone", True), ("wechat", False), ("level", False)]


def test_required_fields_weigh_three_and_optional_one_by_default() -> None:
    weights = {w.key: w.weight for w in scoring.weigh(FIELDS, {})}
    assert weights == {"name": 3, "phone": 3, "wechat": 1, "level": 1}


def test_policy_overrides_a_weight_and_ignores_nonsense() -> None:
    weighted = scoring.weigh(FIELDS, {"wechat": 5, "level": -2, "name": "9", "phone": True})
    assert {w.key: w.weight for w in weighted} == {"name": 3, "phone": 3, "wechat": 5, "level": 1}


def test_complete_record_scores_100_and_misses_nothing() -> None:
    weighted = scoring.weigh(FIELDS, {})
    assert scoring.completeness(weighted, {"name", "phone", "wechat", "level"}) == (100, [])


def test_empty_record_scores_0_and_misses_every_field_in_order() -> None:
    weighted = scoring.weigh(FIELDS, {})
    assert scoring.completeness(weighted, set()) == (0, ["name", "phone", "wechat", "level"])


def test_half_filled_record_is_weighted_by_what_it_has() -> None:
    weighted = scoring.weigh(FIELDS, {})
    # name 3 + wechat 1 of 8
    assert scoring.completeness(weighted, {"name", "wechat"}) == (50, ["phone", "level"])
    # the two optional fields only: 2 of 8
    assert scoring.completeness(weighted, {"wechat", "level"}) == (25, ["name", "phone"])


def test_weighted_policy_changes_the_score_and_zero_weight_leaves_a_field_out() -> None:
    weighted = scoring.weigh(FIELDS, {"level": 0, "wechat": 6})
    # name 3 + phone 3 of 12; level does not count and is not named missing
    assert scoring.completeness(weighted, {"name", "phone"}) == (50, ["wechat"])


def test_version_whose_fields_all_weigh_nothing_is_complete() -> None:
    assert scoring.completeness(scoring.weigh(FIELDS, dict.fromkeys("x", 0)), set())[0] == 0
    zero = scoring.weigh(FIELDS, {k: 0 for k, _r in FIELDS})
    assert scoring.completeness(zero, set()) == (100, [])


def test_freshness_falls_linearly_to_zero_at_the_policy_months() -> None:
    assert scoring.freshness(NOW, NOW, 12) == 100
    half = NOW - timedelta(days=6 * scoring.MONTH_DAYS)
    assert scoring.freshness(half, NOW, 12) == 50
    assert scoring.freshness(half, NOW, 6) == 0
    assert scoring.freshness(NOW - timedelta(days=800), NOW, 12) == 0
    assert scoring.freshness(None, NOW, 12) == 0
    # a clock a little behind the database is not fresher than new
    assert scoring.freshness(NOW + timedelta(hours=1), NOW, 12) == 100


def test_stale_after_the_policy_months_without_activity() -> None:
    assert not scoring.is_stale(NOW - timedelta(days=364), NOW, 12)
    assert scoring.is_stale(NOW - timedelta(days=366), NOW, 12)
    assert scoring.is_stale(None, NOW, 12)


def test_b2b_and_sales_records_age_faster_by_default() -> None:
    assert scoring.default_months("b2b_account") == 6
    assert scoring.default_months("retail_member") == 12


def test_latest_ignores_missing_moments() -> None:
    assert scoring.latest(None, NOW, NOW - timedelta(days=1)) == NOW
    assert scoring.latest(None, None) is None
