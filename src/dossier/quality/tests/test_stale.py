"""Stale records: who sees which, and follow-up tasks made once per quiet spell."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.followups.models import Task
from dossier.quality.refresh import refresh_quality
from dossier.quality.selectors import stale_customers
from dossier.quality.services import CAUSE_KIND, create_stale_tasks

pytestmark = pytest.mark.django_db
LATER = timedelta(days=400)


@pytest.fixture
def stale_member(make_member: Callable[..., Any], owner: User) -> Any:
    customer = make_member(owner)
    refresh_quality(now=timezone.now() + LATER)
    return customer


def test_owner_and_manager_see_the_stale_record_and_another_team_sees_nothing(
    stale_member: Any, owner: User, manager: User, outsider: User, analyst: User
) -> None:
    assert [r.customer_id for r in stale_customers(actor=owner)[0]] == [stale_member.pk]
    assert stale_customers(actor=manager)[1] == 1
    assert stale_customers(actor=outsider) == ([], 0)
    with pytest.raises(PermissionDenied):
        stale_customers(actor=analyst)


def test_fresh_records_are_not_listed(make_member: Callable[..., Any], owner: User) -> None:
    make_member(owner)
    refresh_quality()
    assert stale_customers(actor=owner) == ([], 0)


def test_tasks_are_made_once_per_customer_for_its_owner_and_audited(
    stale_member: Any, owner: User, manager: User
) -> None:
    assert create_stale_tasks(actor=manager) == 1
    assert create_stale_tasks(actor=manager) == 0
    assert create_stale_tasks(actor=owner, customer_ids=[stale_member.pk]) == 0
    task = Task.objects.get(customer_id=stale_member.pk, cause_kind=CAUSE_KIND)
    assert task.assignee == owner
    assert AuditEvent.objects.filter(object_type="stale_record_tasks").count() == 1
    assert AuditEvent.objects.filter(object_type="task", object_id=str(task.pk)).exists()


def test_a_new_quiet_spell_earns_a_new_task(
    stale_member: Any, owner: User, admin_user: User
) -> None:
    from dossier.customers.services import update_customer

    create_stale_tasks(actor=owner)
    update_customer(
        actor=admin_user,
        customer_id=stale_member.pk,
        values={"member_level": "gold"},
        expected_version=None,
    )
    refresh_quality(now=timezone.now() + LATER * 2)
    assert create_stale_tasks(actor=owner) == 1
    assert Task.objects.filter(customer_id=stale_member.pk, cause_kind=CAUSE_KIND).count() == 2


def test_another_team_cannot_make_tasks_for_our_records_even_naming_them(
    stale_member: Any, outsider: User
) -> None:
    assert create_stale_tasks(actor=outsider, customer_ids=[stale_member.pk]) == 0
    assert create_stale_tasks(actor=outsider) == 0
    assert not Task.objects.filter(customer_id=stale_member.pk).exists()


def test_roles_that_may_not_change_customers_make_no_tasks(
    stale_member: Any, make_user: Callable[..., User]
) -> None:
    from dossier.core import roles

    marketer = make_user("chen.marketing", roles.MARKETING, team="east")
    with pytest.raises(PermissionDenied):
        create_stale_tasks(actor=marketer)


def test_hostile_customer_ids_are_refused_by_name(stale_member: Any, owner: User) -> None:
    for bad in (["'; DROP TABLE quality_customerquality; --"], ["\x00"], [None], ["1" * 5000]):
        with pytest.raises(ValidationFailed):
            create_stale_tasks(actor=owner, customer_ids=bad)
    assert not Task.objects.exists()


def test_stale_page_lists_and_the_action_plans_tasks(stale_member: Any, owner: User) -> None:
    client = Client()
    client.force_login(owner)
    page = client.get("/quality/stale/")
    assert page.status_code == 200
    assert str(stale_member.pk) in page.content.decode()
    answer = client.post("/quality/stale/tasks/", {"customer": [str(stale_member.pk)]})
    assert answer.status_code == 302
    assert Task.objects.filter(customer_id=stale_member.pk, cause_kind=CAUSE_KIND).count() == 1
    client.post("/quality/stale/tasks/", {"all": "1"})
    assert Task.objects.filter(customer_id=stale_member.pk, cause_kind=CAUSE_KIND).count() == 1


def test_stale_page_of_another_team_shows_nothing_and_hostile_posts_are_harmless(
    stale_member: Any, outsider: User
) -> None:
    client = Client()
    client.force_login(outsider)
    page = client.get("/quality/stale/")
    assert page.status_code == 200
    assert str(stale_member.pk) not in page.content.decode()
    assert stale_member.display_name not in page.content.decode()
    for data in (
        {"customer": ["<script>x</script>"]},
        {"customer": [str(stale_member.pk)]},
        {"all": "1"},
    ):
        assert client.post("/quality/stale/tasks/", data).status_code == 302
    assert not Task.objects.exists()
