"""Each bulk action on ids and on the list's filters: counts, and who is left out why."""

from __future__ import annotations

import pytest

from dossier.audit.models import AuditEvent
from dossier.bulk.models import BulkAction
from dossier.bulk.services import start_bulk_action
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.customers.models import CustomerTag
from dossier.customers.services import assign_owner, set_customer_tags

from .conftest import Crew, fresh

pytestmark = pytest.mark.django_db


def test_add_tag_on_ids_tags_them_and_reports_another_teams_customer_as_not_found(
    crew: Crew,
) -> None:
    ids = [*crew.ids()[:2], str(crew.theirs.pk)]
    bulk = start_bulk_action(
        actor=crew.sales, action="add_tag", parameters={"tag": crew.tag.pk}, ids=ids
    )
    assert (bulk.state, bulk.total, bulk.done, bulk.failed) == ("done", 3, 2, 1)
    assert bulk.failures == [
        {
            "customer": str(crew.theirs.pk),
            "code": "customer_not_found",
            "reason": "No such customer.",
        }
    ]
    tagged = set(CustomerTag.objects.filter(tag=crew.tag).values_list("customer_id", flat=True))
    assert tagged == {crew.mine[0].pk, crew.mine[1].pk}


def test_add_tag_on_filters_reaches_every_matching_customer_the_actor_sees(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.sales, action="add_tag", parameters={"tag": crew.tag.pk}, filters={}
    )
    assert (bulk.total, bulk.done, bulk.failed) == (3, 3, 0)
    assert not CustomerTag.objects.filter(customer=crew.theirs).exists()


def test_remove_tag_on_filters_of_that_tag(crew: Crew) -> None:
    for customer in crew.mine[:2]:
        set_customer_tags(actor=crew.sales, customer_id=customer.pk, tag_ids=[crew.tag.pk])
    set_customer_tags(actor=crew.stranger, customer_id=crew.theirs.pk, tag_ids=[crew.tag.pk])
    bulk = start_bulk_action(
        actor=crew.sales,
        action="remove_tag",
        parameters={"tag": crew.tag.pk},
        filters={"tag": str(crew.tag.pk)},
    )
    assert (bulk.total, bulk.done) == (2, 2)
    holders = set(CustomerTag.objects.filter(tag=crew.tag).values_list("customer_id", flat=True))
    assert holders == {crew.theirs.pk}


def test_change_lifecycle_on_ids_and_on_a_status_filter(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.sales,
        action="change_lifecycle",
        parameters={"lifecycle": "active"},
        ids=crew.ids()[:1],
    )
    assert bulk.done == 1 and fresh(crew.mine[0]).lifecycle == "active"
    bulk = start_bulk_action(
        actor=crew.sales,
        action="change_lifecycle",
        parameters={"lifecycle": "dormant"},
        filters={"status": "lead"},
    )
    assert (bulk.total, bulk.done) == (2, 2)
    assert [fresh(c).lifecycle for c in crew.mine] == ["active", "dormant", "dormant"]
    assert fresh(crew.theirs).lifecycle == "lead"


def test_unknown_lifecycle_is_refused_before_anything_changes(crew: Crew) -> None:
    with pytest.raises(ValidationFailed):
        start_bulk_action(
            actor=crew.sales,
            action="change_lifecycle",
            parameters={"lifecycle": "<script>"},
            ids=crew.ids(),
        )
    assert not BulkAction.objects.exists()


def test_change_owner_within_the_team_by_a_manager(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.manager,
        action="change_owner",
        parameters={"owner": "chen"},
        filters={"owner": "li.na"},
    )
    assert (bulk.total, bulk.done, bulk.failed) == (3, 3, 0)
    assert {fresh(c).owner_id for c in crew.mine} == {crew.colleague.pk}


def test_an_owner_who_may_not_hold_the_customers_fails_each_with_the_reason(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.manager, action="change_owner", parameters={"owner": "an"}, ids=crew.ids()
    )
    assert (bulk.done, bulk.failed) == (0, 3)
    assert {f["code"] for f in bulk.failures} == {"owner_not_eligible"}
    assert "an cannot hold customers of this template" in bulk.failures[0]["reason"]
    assert {fresh(c).owner_id for c in crew.mine} == {crew.sales.pk}


def test_a_sales_user_may_not_give_customers_to_a_colleague(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.sales, action="change_owner", parameters={"owner": "chen"}, ids=crew.ids()
    )
    assert bulk.failed == 3 and {f["code"] for f in bulk.failures} == {"owner_not_allowed"}


def test_a_sales_user_cannot_delete(crew: Crew) -> None:
    with pytest.raises(PermissionDenied):
        start_bulk_action(actor=crew.sales, action="delete", ids=crew.ids())
    assert all(fresh(c).deleted_at is None for c in crew.mine)


def test_a_manager_deletes_the_teams_customers_not_anothers(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.manager, action="delete", ids=[*crew.ids(), str(crew.theirs.pk)]
    )
    assert (bulk.done, bulk.failed) == (3, 1)
    assert all(fresh(c).deleted_at is not None for c in crew.mine)
    assert fresh(crew.theirs).deleted_at is None


def test_export_counts_the_selection_and_changes_nothing(crew: Crew) -> None:
    with pytest.raises(PermissionDenied):  # sales may not export
        start_bulk_action(actor=crew.sales, action="export", ids=crew.ids())
    bulk = start_bulk_action(
        actor=crew.manager, action="export", ids=[*crew.ids()[:2], str(crew.theirs.pk)]
    )
    # only the customers the exporter may export are counted (and written)
    assert (bulk.state, bulk.total) == ("done", 2)


def test_the_action_is_audited_once_with_its_count_and_filter(crew: Crew) -> None:
    before = AuditEvent.objects.filter(object_type="bulk_action").count()
    bulk = start_bulk_action(
        actor=crew.sales,
        action="add_tag",
        parameters={"tag": crew.tag.pk},
        filters={"owner": "me", "q": ""},
    )
    events = AuditEvent.objects.filter(object_type="bulk_action")
    assert events.count() == before + 1
    event = events.get(object_id=str(bulk.pk))
    assert event.action == "update" and event.actor == crew.sales
    assert event.changes["bulk_action"] == "add_tag"
    assert event.changes["count"] == 3
    assert event.changes["filters"] == {"owner": "me"}


def test_another_actor_cannot_follow_the_action(crew: Crew) -> None:
    from dossier.bulk.selectors import bulk_action_for

    bulk = start_bulk_action(
        actor=crew.sales, action="add_tag", parameters={"tag": crew.tag.pk}, ids=crew.ids()
    )
    assert bulk_action_for(actor=crew.manager, bulk_id=bulk.pk) == bulk
    for other in (crew.colleague, crew.stranger, crew.marketer):
        with pytest.raises(NotFound):
            bulk_action_for(actor=other, bulk_id=bulk.pk)


def test_owner_change_leaves_a_customer_already_held_alone(crew: Crew) -> None:
    assign_owner(actor=crew.manager, customer_id=crew.mine[0].pk, owner=crew.colleague)
    bulk = start_bulk_action(
        actor=crew.manager, action="change_owner", parameters={"owner": "chen"}, ids=crew.ids()
    )
    assert (bulk.done, bulk.failed, len(bulk.undo)) == (3, 0, 2)
