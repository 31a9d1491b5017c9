"""Tag rules: a segment keeps its tag on its members; a customer's tag names its rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dossier.activity.figures import add_to_figures, extend_figures
from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.core.errors import Conflict, NotFound, PermissionDenied
from dossier.customers import counts
from dossier.customers.models import CustomerTag, Tag
from dossier.customers.services import create_tag, set_customer_tags
from dossier.insights.nightly import run_nightly
from dossier.insights.services import create_segment, update_segment
from dossier.insights.tag_rules import (
    apply_tag_rules,
    create_tag_rule,
    delete_tag_rule,
    ensure_standard_tag_rules,
)

BIG = {"field": "total_spend", "op": "gte", "value": 1000}


@pytest.fixture
def staff(make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "manager": make_user("rule.manager", roles.MANAGER, team="east"),
        "sales": make_user("rule.sales", roles.SALES, team="east"),
        "west": make_user("rule.west", roles.MANAGER, team="west"),
    }


def _spender(make_customer: Callable[..., Any], owner: User, spend: int) -> Any:
    customer = make_customer(owner)
    add_to_figures(customer_id=customer.pk, order_count=1, total_spend=Decimal(spend))
    return customer


def test_members_get_the_tag_and_lose_it_when_they_leave_but_a_tag_given_by_hand_stays(
    staff: dict[str, User], make_customer: Callable[..., Any], admin_user: User
) -> None:
    rich, poor, handpicked = (_spender(make_customer, staff["sales"], s) for s in (5000, 10, 20))
    tag = create_tag(actor=admin_user, name="大客户")
    set_customer_tags(actor=admin_user, customer_id=handpicked.pk, tag_ids=[tag.pk])
    segment = create_segment(actor=staff["manager"], name="Spenders", rules=BIG)
    create_tag_rule(actor=staff["manager"], segment_id=segment.pk, tag_id=tag.pk)
    tagged = {link.customer_id: link for link in CustomerTag.objects.filter(tag=tag)}
    assert set(tagged) == {rich.pk, handpicked.pk}
    assert tagged[rich.pk].rule_name == "Spenders" and tagged[handpicked.pk].rule_name == ""
    # the rule changes: the poor join, the rich leave; the hand-picked one stays either way
    update_segment(actor=staff["manager"], segment_id=segment.pk, name="Small",
                   rules={"field": "total_spend", "op": "lt", "value": 15})  # fmt: skip
    apply_tag_rules()
    tagged = {link.customer_id: link for link in CustomerTag.objects.filter(tag=tag)}
    assert set(tagged) == {poor.pk, handpicked.pk}
    assert tagged[poor.pk].rule_name == "Small"
    assert Tag.objects.get(pk=tag.pk).customer_count == 2
    assert counts.verify() == []
    applied = AuditEvent.objects.filter(object_type="tag_rule", action="apply")
    assert applied.count() == 2 and applied.order_by("id").last().changes["removed"] == 1


def test_the_customer_page_says_which_rule_kept_a_tag(
    staff: dict[str, User], make_customer: Callable[..., Any], admin_user: User
) -> None:
    rich = _spender(make_customer, staff["sales"], 5000)
    tag = create_tag(actor=admin_user, name="VIP")
    segment = create_segment(actor=staff["manager"], name="Spenders", rules=BIG)
    create_tag_rule(actor=staff["manager"], segment_id=segment.pk, tag_id=tag.pk)
    browser = Client()
    browser.force_login(staff["sales"])
    page = browser.get(f"/customers/{rich.pk}/").content.decode()
    assert "Kept by the rule “Spenders”" in page


def test_the_standard_rules_of_the_seed_articles(
    staff: dict[str, User], make_customer: Callable[..., Any], admin_user: User
) -> None:
    regular, newcomer = make_customer(staff["sales"]), make_customer(staff["sales"])
    now = timezone.now()
    add_to_figures(customer_id=regular.pk, order_count=5, total_spend=Decimal(900))
    add_to_figures(customer_id=newcomer.pk, order_count=1, total_spend=Decimal(90))
    extend_figures(customer_id=newcomer.pk, earliest={"first_purchase_at": now - timedelta(days=3)},
                   latest={"last_purchase_at": now - timedelta(days=3)})  # fmt: skip
    rules = ensure_standard_tag_rules(actor=admin_user)
    assert [r.tag.name for r in rules] == ["高频次购买者", "首次购买", "潜在流失风险"]
    assert ensure_standard_tag_rules(actor=admin_user) == rules  # made once
    first = CustomerTag.objects.filter(tag__name="首次购买").values_list("customer_id", flat=True)
    assert list(first) == [newcomer.pk]
    assert run_nightly() is not None  # the nightly job refreshes and re-applies


def test_who_may_make_and_stop_a_rule(staff: dict[str, User], admin_user: User) -> None:
    tag = create_tag(actor=admin_user, name="规则标签")
    segment = create_segment(actor=staff["manager"], name="ours", rules=BIG, visibility="team")
    with pytest.raises(PermissionDenied):  # sales staff do not keep tags
        create_tag_rule(actor=staff["sales"], segment_id=segment.pk, tag_id=tag.pk)
    with pytest.raises(NotFound):  # another team's manager cannot see the segment
        create_tag_rule(actor=staff["west"], segment_id=segment.pk, tag_id=tag.pk)
    with pytest.raises(NotFound):
        create_tag_rule(actor=staff["manager"], segment_id=segment.pk, tag_id=999999)
    rule = create_tag_rule(actor=staff["manager"], segment_id=segment.pk, tag_id=tag.pk)
    with pytest.raises(Conflict):
        create_tag_rule(actor=staff["manager"], segment_id=segment.pk, tag_id=tag.pk)
    with pytest.raises(NotFound):
        delete_tag_rule(actor=staff["west"], rule_id=rule.pk)
    delete_tag_rule(actor=staff["manager"], rule_id=rule.pk)
