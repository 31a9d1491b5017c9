"""Cleaning runs: suggestions from addresses and slips, decided one by one or in bulk."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.audit.models import AuditEvent
from dossier.cleaning.models import CleaningRun, CleaningSuggestion
from dossier.cleaning.selectors import suggestion_rows
from dossier.cleaning.services import accept_suggestions, reject_suggestions, start_run
from dossier.cleaning.tests.conftest import raw
from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied
from dossier.customers.models import Customer
from dossier.customers.services import update_customer

pytestmark = pytest.mark.django_db
Run = Callable[..., CleaningRun]


def _by_field(run: CleaningRun, customer: Customer) -> dict[str, str]:
    return {s.field: s.suggested_value for s in run.suggestions.filter(customer=customer)}


def test_address_run_suggests_the_parts_and_reports_what_it_cannot_split(
    east: User, make_customer: Any, cleaned: Run
) -> None:
    full = make_customer(east, address="广东省深圳市南山区科技园路1号")
    short = make_customer(east, province="广东", city="深圳", address="南山区科技园路2号")
    vague = make_customer(east, address="朝阳区建国路88号")
    wrong = make_customer(east, province="浙江", address="广东省深圳市南山区科技园路3号")
    make_customer(east)  # no address: nothing to do
    run = cleaned(east, CleaningRun.ADDRESSES)
    assert run.state == CleaningRun.DONE and run.examined == 5
    assert _by_field(run, full) == {
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "address": "科技园路1号",
    }
    assert _by_field(run, short) == {
        "province": "广东省",
        "city": "深圳市",
        "district": "南山区",
        "address": "科技园路2号",
    }
    assert {(e["customer"], e["problem"]) for e in run.unparsed} == {
        (str(vague.pk), "ambiguous"),
        (str(wrong.pk), "inconsistent"),
    }
    assert not run.suggestions.filter(customer__in=[vague, wrong]).exists()
    # the run's report holds ids and codes, never the address
    assert "建国路" not in str(run.unparsed)


def test_typo_run_suggests_half_width_and_region_names(
    east: User, make_customer: Any, cleaned: Run
) -> None:
    customer = raw(
        make_customer(east),
        phone="１３８ ００１３ ８０００",
        email="ｌｉ＠example.com",
        province="广东",
        city="深圳",
        company="  深圳 某某  科技有限公司",
    )
    run = cleaned(east, CleaningRun.TYPOS)
    reasons = {s.field: (s.suggested_value, s.reason) for s in run.suggestions.all()}
    assert reasons == {
        "phone": ("13800138000", "full_width"),
        "email": ("li@example.com", "full_width"),
        "province": ("广东省", "region_name"),
        "city": ("深圳市", "region_name"),
        "company": ("深圳某某科技有限公司", "stray_spaces"),
    }
    outcome = accept_suggestions(actor=east, run_id=run.pk)
    assert len(outcome.accepted) == 5 and not outcome.conflicts and not outcome.failed
    customer.refresh_from_db()
    assert (customer.phone, customer.email, customer.province, customer.city) == (
        "+8613800138000",
        "li@example.com",
        "广东省",
        "深圳市",
    )


def test_accepting_one_applies_it_and_leaves_the_others_acceptable(
    east: User, make_customer: Any, cleaned: Run
) -> None:
    customer = make_customer(east, address="北京市朝阳区建国路88号")
    run = cleaned(east, CleaningRun.ADDRESSES)
    province = run.suggestions.get(field="province")
    outcome = accept_suggestions(actor=east, run_id=run.pk, suggestion_ids=[province.pk])
    assert outcome.accepted == [province.pk]
    customer.refresh_from_db()
    assert customer.province == "北京市" and customer.address == "北京市朝阳区建国路88号"
    province.refresh_from_db()
    assert province.state == CleaningSuggestion.ACCEPTED and province.decided_by == east
    # the customer's version moved by our own edit: the rest are still acceptable
    outcome = accept_suggestions(actor=east, run_id=run.pk)
    assert len(outcome.accepted) == 3 and not outcome.conflicts
    customer.refresh_from_db()
    assert (customer.city, customer.district, customer.address) == (
        "北京市",
        "朝阳区",
        "建国路88号",
    )
    run.refresh_from_db()
    assert run.accepted == 4


def test_a_customer_changed_since_is_a_conflict_not_an_overwrite(
    east: User, make_customer: Any, cleaned: Run
) -> None:
    customer = make_customer(east, address="广东省深圳市南山区科技园路1号")
    other = make_customer(east, address="上海市浦东新区张江路88号")
    run = cleaned(east, CleaningRun.ADDRESSES)
    update_customer(
        actor=east,
        customer_id=customer.pk,
        values={"address": "广东省广州市天河区体育西路1号"},
        expected_version=customer.version,
    )
    outcome = accept_suggestions(actor=east, run_id=run.pk)
    assert set(outcome.conflicts) == set(
        run.suggestions.filter(customer=customer).values_list("pk", flat=True)
    )
    assert len(outcome.accepted) == 4  # the other customer's went through
    customer.refresh_from_db()
    assert customer.address == "广东省广州市天河区体育西路1号" and customer.district == ""
    assert run.suggestions.filter(customer=customer, state="pending").count() == 4
    other.refresh_from_db()
    assert other.district == "浦东新区"


def test_rejecting_leaves_the_customer_as_it_is(
    east: User, make_customer: Any, cleaned: Run
) -> None:
    customer = make_customer(east, address="深圳南山区科技园")
    run = cleaned(east, CleaningRun.ADDRESSES)
    ids = list(run.suggestions.values_list("pk", flat=True))
    outcome = reject_suggestions(actor=east, run_id=run.pk, suggestion_ids=ids[:2])
    assert outcome.rejected == ids[:2]
    assert run.suggestions.filter(state="rejected").count() == 2
    customer.refresh_from_db()
    assert customer.province == "" and customer.address == "深圳南山区科技园"
    # a rejected one cannot be accepted afterwards
    with pytest.raises(NotFound):
        accept_suggestions(actor=east, run_id=run.pk, suggestion_ids=ids[:1])


def test_another_teams_user_sees_neither_the_run_nor_its_suggestions(
    east: User, west: User, make_customer: Any, cleaned: Run
) -> None:
    make_customer(east, address="深圳南山区科技园")
    run = cleaned(east, CleaningRun.ADDRESSES)
    ids = list(run.suggestions.values_list("pk", flat=True))
    with pytest.raises(NotFound):
        accept_suggestions(actor=west, run_id=run.pk, suggestion_ids=ids)
    with pytest.raises(NotFound):
        reject_suggestions(actor=west, run_id=run.pk)
    # west's own run never looks at east's customers
    mine = cleaned(west, CleaningRun.ADDRESSES)
    assert mine.examined == 0 and not mine.suggestions.exists()
    # nor may a suggestion of another run be slipped into one's own
    with pytest.raises(NotFound):
        accept_suggestions(actor=west, run_id=mine.pk, suggestion_ids=ids)
    assert CleaningSuggestion.objects.filter(state="pending").count() == len(ids)


def test_a_manager_sees_the_team_run_but_only_acts_on_customers_in_reach(
    east: User, west: User, make_user: Any, make_customer: Any, cleaned: Run
) -> None:
    manager = make_user("east.boss", roles.MANAGER, team="east")
    make_customer(east, address="深圳南山区科技园")
    run = cleaned(east, CleaningRun.ADDRESSES)
    outcome = accept_suggestions(actor=manager, run_id=run.pk)
    assert len(outcome.accepted) == 4
    west_run = cleaned(west, CleaningRun.ADDRESSES)
    with pytest.raises(NotFound):
        accept_suggestions(actor=manager, run_id=west_run.pk)


def test_a_customer_handed_to_another_team_drops_out_of_the_run(
    east: User, west: User, admin_user: User, make_customer: Any, cleaned: Run
) -> None:
    from dossier.customers.services import assign_owner

    customer = make_customer(east, address="深圳南山区科技园")
    run = cleaned(east, CleaningRun.ADDRESSES)
    assign_owner(actor=admin_user, customer_id=customer.pk, owner=west)
    assert suggestion_rows(actor=east, run=run) == []
    assert accept_suggestions(actor=east, run_id=run.pk).accepted == []


@pytest.mark.parametrize("role", [roles.MARKETING, roles.ANALYST])
def test_roles_that_may_not_change_customers_are_refused(
    role: str, east: User, make_user: Any, make_customer: Any, cleaned: Run
) -> None:
    lower = make_user(f"lower-{role}", role, team="east")
    make_customer(east, address="深圳南山区科技园")
    run = cleaned(east, CleaningRun.ADDRESSES)
    with pytest.raises(PermissionDenied):
        start_run(actor=lower, kind=CleaningRun.ADDRESSES)
    with pytest.raises(PermissionDenied):
        accept_suggestions(actor=lower, run_id=run.pk)
    with pytest.raises(PermissionDenied):
        reject_suggestions(actor=lower, run_id=run.pk)


def test_decisions_are_audited_without_values(east: User, make_customer: Any, cleaned: Run) -> None:
    customer = make_customer(east, address="深圳南山区科技园")
    run = cleaned(east, CleaningRun.ADDRESSES)
    first, *rest = run.suggestions.values_list("pk", flat=True)
    reject_suggestions(actor=east, run_id=run.pk, suggestion_ids=[first])
    accept_suggestions(actor=east, run_id=run.pk)
    events = AuditEvent.objects.filter(object_type="cleaning_run", object_id=str(run.pk))
    actions = sorted(events.values_list("action", flat=True))
    assert actions == [
        "cleaning_accept",
        "cleaning_reject",
        "cleaning_run",
        "cleaning_start",
    ]
    accepted = events.get(action="cleaning_accept")
    assert accepted.customer_id == customer.pk
    assert sorted(accepted.changes["suggestions"]) == sorted(rest)
    assert "科技园" not in str(list(events.values_list("changes", flat=True)))
    # the edit itself is the customer's ordinary, audited update
    assert AuditEvent.objects.filter(
        action="update", object_type="customer", object_id=str(customer.pk)
    ).exists()


def test_personal_values_show_masked_to_whoever_may_not_see_them(
    east: User, make_customer: Any, cleaned: Run
) -> None:
    make_customer(east, address="深圳南山区科技园")
    run = cleaned(east, CleaningRun.ADDRESSES)
    rows = {r["field"]: r for r in suggestion_rows(actor=east, run=run)}
    assert rows["address"]["current"] == "深圳南山区科技园"
    assert rows["province"]["suggested"] == "广东省"
    # stored encrypted: the column holds no plaintext
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("select current_value from cleaning_cleaningsuggestion")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and not any("南山" in value for value in stored)


def test_unknown_kind_is_refused(east: User) -> None:
    from dossier.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        start_run(actor=east, kind="drop_table")


def test_suggestions_are_erased_with_the_customers_data() -> None:
    from dossier.customers.registry import entries

    (entry,) = [e for e in entries() if e.model is CleaningSuggestion]
    assert entry.erasure == "delete" and entry.export is None


def test_a_run_that_breaks_is_recorded_as_failed_without_the_message(
    east: User, make_customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dossier.cleaning.services import run_cleaning
    from dossier.cleaning.services import runs as runs_module

    make_customer(east, address="深圳南山区科技园")

    def broken(texts: Any) -> Any:
        raise ValueError("深圳南山区科技园")

    monkeypatch.setattr(runs_module, "parse_addresses", broken)
    run = CleaningRun.objects.create(kind=CleaningRun.ADDRESSES, started_by=east)
    with pytest.raises(ValueError):
        run_cleaning(run=run)
    run.refresh_from_db()
    assert (run.state, run.error) == (CleaningRun.FAILED, "ValueError")
