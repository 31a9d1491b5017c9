"""Undo puts back only customers unchanged since; large selections run as a task by chunks."""

from __future__ import annotations

from typing import Any

import pytest

from dossier.bulk import services
from dossier.bulk.models import BulkAction
from dossier.bulk.services import start_bulk_action, undo_bulk_action
from dossier.campaigns.models import CampaignMember
from dossier.campaigns.services import create_campaign, update_campaign
from dossier.consent.services import grant_consent
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.customers.models import CustomerTag
from dossier.customers.services import set_customer_tags, update_customer

from .conftest import Crew, fresh

pytestmark = pytest.mark.django_db


def test_undo_of_added_tags_removes_only_the_links_the_action_made(crew: Crew) -> None:
    set_customer_tags(actor=crew.sales, customer_id=crew.mine[0].pk, tag_ids=[crew.tag.pk])
    bulk = start_bulk_action(
        actor=crew.sales, action="add_tag", parameters={"tag": crew.tag.pk}, ids=crew.ids()
    )
    assert (bulk.done, len(bulk.undo)) == (3, 2)
    # someone takes the tag off and gives it back: that link is theirs now
    set_customer_tags(actor=crew.sales, customer_id=crew.mine[2].pk, tag_ids=[])
    set_customer_tags(actor=crew.sales, customer_id=crew.mine[2].pk, tag_ids=[crew.tag.pk])
    bulk = undo_bulk_action(actor=crew.sales, bulk_id=bulk.pk)
    holders = set(CustomerTag.objects.filter(tag=crew.tag).values_list("customer_id", flat=True))
    assert holders == {crew.mine[0].pk, crew.mine[2].pk}
    assert bulk.undo_report["restored"] == 1
    assert [s["code"] for s in bulk.undo_report["skipped"]] == ["changed_since"]


def test_undo_of_removed_tags_gives_them_back(crew: Crew) -> None:
    for customer in crew.mine:
        set_customer_tags(actor=crew.sales, customer_id=customer.pk, tag_ids=[crew.tag.pk])
    bulk = start_bulk_action(
        actor=crew.sales, action="remove_tag", parameters={"tag": crew.tag.pk}, ids=crew.ids()
    )
    assert not CustomerTag.objects.filter(tag=crew.tag).exists()
    undo_bulk_action(actor=crew.sales, bulk_id=bulk.pk)
    assert CustomerTag.objects.filter(tag=crew.tag).count() == 3


def test_undo_of_a_lifecycle_change_skips_a_customer_changed_since(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.sales,
        action="change_lifecycle",
        parameters={"lifecycle": "active"},
        ids=crew.ids(),
    )
    later = fresh(crew.mine[1])
    update_customer(
        actor=crew.sales,
        customer_id=later.pk,
        values={"lifecycle": "churned"},
        expected_version=later.version,
    )
    bulk = undo_bulk_action(actor=crew.sales, bulk_id=bulk.pk)
    assert [fresh(c).lifecycle for c in crew.mine] == ["lead", "churned", "lead"]
    assert bulk.undo_report["restored"] == 2
    assert bulk.undo_report["skipped"][0]["customer"] == str(crew.mine[1].pk)
    assert bulk.undo_report["skipped"][0]["code"] == "changed_since"


def test_undo_of_an_owner_change_by_a_manager_of_the_team(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.manager, action="change_owner", parameters={"owner": "chen"}, ids=crew.ids()
    )
    undo_bulk_action(actor=crew.manager, bulk_id=bulk.pk)
    assert {fresh(c).owner_id for c in crew.mine} == {crew.sales.pk}


def test_undo_of_a_delete_restores_the_customers(crew: Crew) -> None:
    bulk = start_bulk_action(actor=crew.manager, action="delete", ids=crew.ids())
    assert all(fresh(c).deleted_at is not None for c in crew.mine)
    undo_bulk_action(actor=crew.manager, bulk_id=bulk.pk)
    assert all(fresh(c).deleted_at is None for c in crew.mine)


def test_undo_is_for_the_author_or_a_manager_and_only_once(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.sales, action="add_tag", parameters={"tag": crew.tag.pk}, ids=crew.ids()
    )
    for other in (crew.colleague, crew.stranger):
        with pytest.raises(NotFound):
            undo_bulk_action(actor=other, bulk_id=bulk.pk)
    undo_bulk_action(actor=crew.manager, bulk_id=bulk.pk)
    with pytest.raises(Conflict):
        undo_bulk_action(actor=crew.sales, bulk_id=bulk.pk)
    assert not CustomerTag.objects.filter(tag=crew.tag).exists()


def test_an_export_cannot_be_undone(crew: Crew) -> None:
    bulk = start_bulk_action(actor=crew.manager, action="export", ids=crew.ids())
    with pytest.raises(Conflict):
        undo_bulk_action(actor=crew.manager, bulk_id=bulk.pk)


def test_a_large_selection_runs_as_a_task_chunk_by_chunk(
    crew: Crew, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(services, "RUN_AT_ONCE", 1)
    monkeypatch.setattr(services, "CHUNK", 2)
    seen: list[tuple[str, int]] = []
    next_chunk = services._next_chunk

    def watched(bulk: BulkAction) -> list[str]:
        stored = BulkAction.objects.get(pk=bulk.pk)
        seen.append((stored.state, stored.done + stored.failed))
        return next_chunk(bulk)

    monkeypatch.setattr(services, "_next_chunk", watched)
    ids = [*crew.ids(), str(crew.theirs.pk)]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        bulk = start_bulk_action(
            actor=crew.sales, action="add_tag", parameters={"tag": crew.tag.pk}, ids=ids
        )
    assert (bulk.state, bulk.done, bulk.total) == ("queued", 0, 4)
    assert len(queued) == 1 and not CustomerTag.objects.exists()
    queued[0]()  # the worker (the immediate backend in tests) runs the task
    bulk.refresh_from_db()
    assert (bulk.state, bulk.done, bulk.failed) == ("done", 3, 1)
    # progress was saved after each chunk of two
    assert seen == [("running", 0), ("running", 2), ("running", 4)]


def test_a_task_that_stops_part_way_resumes_after_its_last_chunk(crew: Crew) -> None:
    bulk = BulkAction.objects.create(
        actor=crew.sales,
        action="add_tag",
        parameters={"tag": crew.tag.pk},
        ids=sorted(crew.ids()),
        total=3,
        done=1,
        state="running",
        cursor=sorted(crew.ids())[0],
    )
    services.run(bulk_id=bulk.pk)
    bulk.refresh_from_db()
    assert (bulk.state, bulk.done) == ("done", 3)
    assert CustomerTag.objects.count() == 2  # the first was handled before the stop


def test_add_to_campaign_adds_consenting_customers_and_reports_the_others(crew: Crew) -> None:
    campaign = create_campaign(actor=crew.admin, name="双十一", channel="sms")
    for customer in crew.mine[:2]:
        grant_consent(
            actor=crew.admin,
            customer_id=customer.pk,
            purpose="marketing",
            channel="sms",
            source="staff",
            notice_version="2024-01",
        )
    bulk = start_bulk_action(
        actor=crew.manager,
        action="add_to_campaign",
        parameters={"campaign": campaign.pk},
        ids=[*crew.ids(), str(crew.theirs.pk), "not-a-uuid"],
    )
    assert (bulk.total, bulk.done, bulk.failed) == (5, 2, 3)
    assert sorted(f["code"] for f in bulk.failures) == ["no_consent", "not_found", "not_found"]
    assert CampaignMember.objects.filter(campaign=campaign).count() == 2
    with pytest.raises(PermissionDenied):  # sales may not add members
        start_bulk_action(
            actor=crew.sales,
            action="add_to_campaign",
            parameters={"campaign": campaign.pk},
            ids=crew.ids(),
        )
    with pytest.raises(NotFound):
        start_bulk_action(
            actor=crew.manager,
            action="add_to_campaign",
            parameters={"campaign": campaign.pk + 999},
            ids=crew.ids(),
        )
    update_campaign(actor=crew.admin, campaign_id=campaign.pk, changes={"status": "running"})
    update_campaign(actor=crew.admin, campaign_id=campaign.pk, changes={"status": "finished"})
    with pytest.raises(Conflict):
        start_bulk_action(
            actor=crew.manager,
            action="add_to_campaign",
            parameters={"campaign": campaign.pk},
            ids=crew.ids(),
        )


@pytest.mark.parametrize(
    "call",
    [
        {"action": "drop_table", "ids": []},
        {"action": "add_tag", "parameters": {"tag": "1; DROP"}, "ids": []},
        {"action": "add_tag", "parameters": {"tag": "99999999"}, "ids": []},
        {"action": "change_owner", "parameters": {"owner": "nobody"}, "ids": []},
        {"action": "add_to_campaign", "parameters": {"campaign": "-1"}, "ids": []},
        {"action": "export", "parameters": {"format": "exe"}, "ids": []},
        {"action": "add_tag", "parameters": {"tag": "1"}},  # neither ids nor filters
        {"action": "add_tag", "parameters": {"tag": "1"}, "ids": [], "filters": {}},  # both
        {"action": "delete", "ids": ["x"] * 1_000_000},
    ],
)
def test_hostile_input_is_refused_and_nothing_is_recorded(crew: Crew, call: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed):
        start_bulk_action(actor=crew.admin, **call)
    assert not BulkAction.objects.exists()


def test_malformed_and_repeated_ids_are_reported_not_found_once(crew: Crew) -> None:
    bulk = start_bulk_action(
        actor=crew.sales,
        action="add_tag",
        parameters={"tag": crew.tag.pk},
        ids=[crew.ids()[0], crew.ids()[0].upper(), "'; DROP TABLE", "\x00" * 3],
    )
    assert (bulk.total, bulk.done, bulk.failed) == (3, 1, 2)
    assert {f["code"] for f in bulk.failures} == {"customer_not_found"}


def test_a_large_undo_runs_as_a_task_and_is_audited_once(
    crew: Crew, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    from dossier.audit.models import AuditEvent

    bulk = start_bulk_action(
        actor=crew.sales, action="add_tag", parameters={"tag": crew.tag.pk}, ids=crew.ids()
    )
    monkeypatch.setattr(services, "RUN_AT_ONCE", 1)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        bulk = undo_bulk_action(actor=crew.manager, bulk_id=bulk.pk)
    assert bulk.undone_at is not None and bulk.undo_report == {} and bulk.busy
    assert CustomerTag.objects.count() == 3 and len(queued) == 1
    queued[0]()
    bulk.refresh_from_db()
    assert bulk.undo_report["restored"] == 3 and not bulk.busy
    assert not CustomerTag.objects.exists()
    undo = AuditEvent.objects.filter(object_type="bulk_action", changes__undo="add_tag")
    assert undo.count() == 1 and undo.get().actor == crew.manager


def test_another_teams_campaign_gets_only_the_customers_the_actor_sees(
    crew: Crew, make_user: Any
) -> None:
    # campaigns belong to no team in the core (campaign_for): the customers added are still
    # only those the asker may see; the other team's own customer is reported not found
    from dossier.core import roles

    west_marketing = make_user("west.ma", roles.MARKETING, team="west")
    campaign = create_campaign(actor=west_marketing, name="西区活动", channel="sms")
    for customer in (crew.mine[0], crew.theirs):
        grant_consent(
            actor=crew.admin,
            customer_id=customer.pk,
            purpose="marketing",
            channel="sms",
            source="staff",
            notice_version="2024-01",
        )
    bulk = start_bulk_action(
        actor=crew.manager,
        action="add_to_campaign",
        parameters={"campaign": campaign.pk},
        ids=[crew.ids()[0], str(crew.theirs.pk)],
    )
    assert (bulk.done, bulk.failed) == (1, 1)
    assert bulk.failures[0] == {
        "customer": str(crew.theirs.pk),
        "code": "not_found",
        "reason": "No such customer (or not one you may see).",
    }
    members = set(
        CampaignMember.objects.filter(campaign=campaign).values_list("customer_id", flat=True)
    )
    assert members == {crew.mine[0].pk}
