"""Grade thresholds set on the page and the API: who may, what is refused, what the refresh does."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client

from dossier.activity.models import CustomerFigures
from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.insights.models import CustomerScore, GradeThresholds
from dossier.insights.scoring import refresh_scores
from dossier.insights.thresholds import (
    reset_grade_thresholds,
    set_grade_thresholds,
    threshold_rows,
    thresholds_in_force,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
LOW = {"A": {"spend": "300", "value": "300"}, "B": {"spend": "200", "value": "200"},
       "C": {"spend": "100", "value": "100"}}  # fmt: skip


def _client(user: User) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def people(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": make_user("th.admin", roles.ADMIN),
        "manager": make_user("th.manager", roles.MANAGER, team="east"),
        "sales": make_user("th.sales", roles.SALES, team="east"),
        "analyst": make_user("th.analyst", roles.ANALYST),
    }


def test_a_manager_saves_thresholds_which_the_next_refresh_grades_by(
    people: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    customer = make_customer(people["sales"])  # the member template: scenario retail_member
    CustomerFigures.objects.create(
        customer=customer, first_purchase_at=NOW - timedelta(days=30),
        last_purchase_at=NOW - timedelta(days=3), order_count=2, total_spend=Decimal(250),
    )  # fmt: skip
    refresh_scores(now=NOW)
    assert CustomerScore.objects.get(customer=customer).grade == "D"  # default C needs 1,000
    set_grade_thresholds(actor=people["manager"], scenario="retail_member", thresholds=LOW)
    assert CustomerScore.objects.get(customer=customer).grade == "D"  # not before the refresh
    refresh_scores(now=NOW)
    assert CustomerScore.objects.get(customer=customer).grade == "B"
    event = AuditEvent.objects.get(object_type="grade_thresholds", object_id="retail_member")
    assert event.actor_id == people["manager"].pk
    assert event.changes["before"]["C"] == ["1000.00", "1000.00"]
    assert event.changes["after"]["B"] == ["200.00", "200.00"]


def test_saved_thresholds_win_over_settings_and_reset_brings_those_back(
    people: dict[str, User], settings: Any
) -> None:
    settings.DOSSIER_GRADE_THRESHOLDS = {"sales": {"A": (90, 90), "B": (60, 60), "C": (30, 30)}}
    assert thresholds_in_force()["sales"]["C"] == (30, 30)
    set_grade_thresholds(actor=people["admin"], scenario="sales", thresholds=LOW)
    assert thresholds_in_force()["sales"]["C"] == (100.0, 100.0)
    sources = {row.scenario: row.source for row in threshold_rows(actor=people["admin"])}
    assert sources["sales"] == "saved" and sources["*"] == "default"
    assert sources["b2b_account"] == "default" and sources["marketing"] == "every"
    reset_grade_thresholds(actor=people["admin"], scenario="sales")
    assert thresholds_in_force()["sales"]["C"] == (30, 30)
    assert AuditEvent.objects.filter(object_type="grade_thresholds", action="reset").count() == 1


@pytest.mark.parametrize("role", ["sales", "analyst"])
def test_lower_roles_may_neither_see_nor_change_thresholds(
    people: dict[str, User], role: str
) -> None:
    with pytest.raises(PermissionDenied):
        set_grade_thresholds(actor=people[role], scenario="*", thresholds=LOW)
    with pytest.raises(PermissionDenied):
        threshold_rows(actor=people[role])
    browser = _client(people[role])
    assert browser.get("/insights/grades/thresholds/").status_code == 403
    posted = browser.post("/insights/grades/thresholds/*/", {"A-spend": "1"})
    assert posted.status_code == 403
    assert not GradeThresholds.objects.exists()


def test_unordered_thresholds_are_refused_naming_the_field_and_reason(
    people: dict[str, User],
) -> None:
    bad = {**LOW, "B": {"spend": "500", "value": "200"}}  # B's spend above A's 300
    with pytest.raises(ValidationFailed) as caught:
        set_grade_thresholds(actor=people["manager"], scenario="*", thresholds=bad)
    (error,) = caught.value.errors
    assert error.field == "B.spend" and error.code == "threshold_order"
    assert "Grade B, minimum spend" in error.message("en") and "A" in error.message("en")
    assert "不能高于" in error.message("zh-hans")
    assert not GradeThresholds.objects.exists()
    assert not AuditEvent.objects.filter(object_type="grade_thresholds").exists()


@pytest.mark.parametrize(
    ("given", "field", "code"),
    [
        ({"spend": "-1", "value": "0"}, "C.spend", "too_small"),
        ({"spend": "abc", "value": "0"}, "C.spend", "invalid_decimal"),
        ({"spend": "NaN", "value": "0"}, "C.spend", "invalid_decimal"),
        ({"spend": "1e20", "value": "0"}, "C.spend", "too_large"),
        ({"spend": "0", "value": ""}, "C.value", "required"),
        ({"spend": "0", "value": ["1"]}, "C.value", "invalid_decimal"),
        ({"spend": True, "value": "0"}, "C.spend", "invalid_decimal"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(
    people: dict[str, User], given: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        set_grade_thresholds(actor=people["admin"], scenario="*", thresholds={**LOW, "C": given})
    assert [(e.field, e.code) for e in caught.value.errors] == [(field, code)]


def test_an_unknown_scenario_is_refused(people: dict[str, User]) -> None:
    with pytest.raises(ValidationFailed) as caught:
        set_grade_thresholds(actor=people["admin"], scenario="<script>", thresholds=LOW)
    assert caught.value.errors[0].field == "scenario"


def test_the_page_shows_saves_and_refuses_in_both_languages(people: dict[str, User]) -> None:
    browser = _client(people["manager"])
    page = browser.get("/insights/grades/thresholds/").content.decode()
    assert 'name="A-spend"' in page and "Every other scenario" in page
    chinese = browser.get("/insights/grades/thresholds/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "等级门槛" in chinese.content.decode()
    form = {f"{g}-{m}": LOW[g][m] for g in "ABC" for m in ("spend", "value")}
    saved = browser.post("/insights/grades/thresholds/b2b_account/", form)
    assert saved.status_code == 302
    assert GradeThresholds.objects.get(scenario="b2b_account").c_value == Decimal(100)
    refused = browser.post("/insights/grades/thresholds/b2b_account/", {**form, "C-value": "999"})
    assert refused.status_code == 422
    text = refused.content.decode()
    assert 'aria-invalid="true"' in text and "Grade C, minimum lifetime value" in text
    assert 'value="999"' in text  # what was typed stays to be corrected
    assert GradeThresholds.objects.get(scenario="b2b_account").c_value == Decimal(100)


def test_the_api_sets_lists_and_refuses(
    people: dict[str, User], api_as: Callable[..., Any]
) -> None:
    manager = api_as(people["manager"])
    body = {g: {"spend": LOW[g]["spend"], "value": LOW[g]["value"]} for g in "ABC"}
    answer = manager.put("/insights/grade-thresholds/financial", body)
    assert answer.status_code == 200 and answer.json()["C"] == {"spend": 100.0, "value": 100.0}
    assert answer.json()["source"] == "saved"
    unordered = manager.put(
        "/insights/grade-thresholds/financial", {**body, "A": {"spend": 1, "value": 1}}
    )
    assert unordered.status_code == 422
    assert {e["field"] for e in unordered.json()["errors"]} == {"B.spend", "B.value"}
    assert api_as(people["analyst"]).get("/insights/grade-thresholds").status_code == 403
    assert api_as(people["sales"]).put("/insights/grade-thresholds/*", body).status_code == 403
    assert manager.delete("/insights/grade-thresholds/financial").status_code == 204
    assert not GradeThresholds.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: real concurrency")
@pytest.mark.django_db(transaction=True)
def test_two_first_saves_at_one_instant_both_land_one_after_the_other(
    make_user: Callable[..., User],
) -> None:
    admin, manager = make_user("th.c.admin", roles.ADMIN), make_user("th.c.mgr", roles.MANAGER)
    start, failures = threading.Barrier(2), []
    high = {g: {"spend": v, "value": v} for g, v in (("A", "900"), ("B", "800"), ("C", "700"))}

    def save(actor: User, amounts: dict[str, Any]) -> None:
        try:
            start.wait()
            set_grade_thresholds(actor=actor, scenario="other", thresholds=amounts)
        except Exception as error:
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=p) for p in ((admin, LOW), (manager, high))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert GradeThresholds.objects.filter(scenario="other").count() == 1
    events = AuditEvent.objects.filter(object_type="grade_thresholds").order_by("id")
    assert len(events) == 2
    # the second save saw the first one's thresholds as its "before"
    assert events[1].changes["before"] == events[0].changes["after"]
