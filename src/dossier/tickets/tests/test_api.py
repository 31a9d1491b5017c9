"""The tickets API: open, read with history, list by filters and cursor, move, assign."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.core import roles
from dossier.outbox.models import Event
from dossier.tickets.models import Ticket, TicketTransition
from dossier.tickets.tests.conftest import move

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as: Callable[..., Any], owner: User) -> Any:
    return api_as(owner)


def test_open_then_read_it_with_its_history(api: Any, customer: Any, owner: User) -> None:
    body = {
        "customer_id": str(customer.pk),
        "subject": "空调不制冷",
        "description": "安装两年，今年开始不制冷",
        "priority": "urgent",
        "order_ref": "JD-889900",
        "product_ref": "KFR-35GW",
    }
    created = api.post("/tickets", body)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["status"], data["priority"], data["description"]) == (
        "new",
        "urgent",
        "安装两年，今年开始不制冷",
    )
    assert data["next_states"] == ["in_progress"] and data["overdue"] is False
    assert data["history"] == [
        {
            "from_status": None,
            "to_status": "new",
            "by": owner.username,
            "at": data["created_at"],
            "note": "",
        }
    ]
    read = api.get(f"/tickets/{data['id']}").json()
    assert read == data


def test_a_bad_body_names_every_field(api: Any, customer: Any) -> None:
    body = {"customer_id": str(customer.pk), "subject": "", "priority": "asap"}
    response = api.post("/tickets", body)
    assert response.status_code == 422
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("subject", "required"),
        ("priority", "invalid_choice"),
    }
    assert not Ticket.objects.exists()


def test_an_illegal_transition_is_422_naming_both_states(
    api: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    response = api.post(f"/tickets/{ticket.pk}/transition", {"to": "closed"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert (body["from"], body["to"], body["allowed"]) == ("new", "closed", ["in_progress"])
    assert body["message"] == "A ticket cannot go from “new” to “closed”."
    assert body["errors"][0]["field"] == "to"
    chinese = api.post(
        f"/tickets/{ticket.pk}/transition", {"to": "closed"}, headers={"Accept-Language": "zh-hans"}
    ).json()
    assert chinese["message"] == "工单不能从“新建”变为“已关闭”。"
    assert Ticket.objects.get(pk=ticket.pk).status == "new"
    assert TicketTransition.objects.filter(ticket=ticket).count() == 1


def test_transition_and_conflict_when_the_ticket_moved_on(
    api: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    moved = api.post(
        f"/tickets/{ticket.pk}/transition",
        {"to": "in_progress", "note": "已电话联系", "from_status": "new"},
    )
    assert moved.status_code == 200
    assert moved.json()["history"][-1]["note"] == "已电话联系"
    again = api.post(
        f"/tickets/{ticket.pk}/transition", {"to": "in_progress", "from_status": "new"}
    )
    assert (again.status_code, again.json()["code"]) == (409, "ticket_moved_on")


def test_assign_by_user_name(
    api: Any, open_one: Callable[..., Ticket], make_user: Callable[..., User]
) -> None:
    colleague = make_user("chen.jing", roles.SERVICE, team="east")
    ticket = open_one()
    refused = api.post(f"/tickets/{ticket.pk}/assign", {"assignee": "chen.jing"})
    assert refused.status_code == 422  # a service agent who neither owns nor shares it
    assert refused.json()["errors"][0]["code"] == "assignee_not_eligible"
    manager = make_user("zhou.jie", roles.MANAGER, team="east")
    done = api.post(f"/tickets/{ticket.pk}/assign", {"assignee": manager.username})
    assert done.status_code == 200 and done.json()["assignee"] == "zhou.jie"
    assert colleague.tickets.count() == 0


def test_list_filters_by_status_assignee_customer_and_overdue(
    api: Any,
    owner: User,
    customer: Any,
    open_one: Callable[..., Ticket],
    make_customer: Callable[..., Any],
) -> None:
    late = open_one(subject="late", assignee=owner)
    Ticket.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    later = open_one(subject="later")
    Ticket.objects.filter(pk=later.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    waiting = move(owner, open_one(subject="waiting"), "in_progress", "waiting_on_customer")
    Ticket.objects.filter(pk=waiting.pk).update(due_at=timezone.now() - timedelta(hours=3))
    done = move(owner, open_one(subject="done"), "in_progress", "resolved")
    Ticket.objects.filter(pk=done.pk).update(due_at=timezone.now() - timedelta(days=3))
    fresh = open_one(subject="fresh")
    elsewhere = make_customer(owner)
    api.post("/tickets", {"customer_id": str(elsewhere.pk), "subject": "other"})

    def subjects(query: str) -> list[str]:
        response = api.get(f"/tickets{query}")
        assert response.status_code == 200, response.content
        return [item["subject"] for item in response.json()["items"]]

    assert subjects("") == ["other", "fresh", "done", "waiting", "later", "late"]
    # most overdue first; resolved tickets are not overdue, waiting ones are
    assert subjects("?overdue=true") == ["waiting", "late", "later"]
    assert subjects("?status=resolved") == ["done"]
    assert subjects("?assignee=me") == ["late"]
    assert subjects(f"?assignee={owner.username}&overdue=true") == ["late"]
    assert subjects(f"?customer_id={customer.pk}&status=new") == ["fresh", "later", "late"]
    items = api.get("/tickets?overdue=true").json()["items"]
    assert all(item["overdue"] for item in items)
    assert fresh.pk not in [item["id"] for item in items]
    bad = api.get("/tickets?status=lost")
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "status")


def test_the_cursor_pages_through_every_ticket_once(
    api: Any, open_one: Callable[..., Ticket]
) -> None:
    made = {open_one(subject=f"t{n}").pk for n in range(7)}
    for overdue in ("false", "true"):
        if overdue == "true":
            Ticket.objects.update(due_at=timezone.now() - timedelta(hours=1))
        seen: list[int] = []
        cursor = ""
        while True:
            page = api.get(f"/tickets?limit=3&overdue={overdue}&cursor={cursor}").json()
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert sorted(seen) == sorted(made) and len(seen) == 7
    assert api.get("/tickets?cursor=not-a-cursor").status_code == 422
    # any cursor the document allows is a position, even one beyond every row
    for far in ("99999999999999999.9999999999999999999", "-99999999999999999.1", "0.0"):
        for overdue in ("false", "true"):
            response = api.get(f"/tickets?cursor={far}&overdue={overdue}")
            assert response.status_code == 200, (far, response.content)


def test_another_teams_agent_gets_404_and_nothing_is_written(
    api_as: Callable[..., Any], stranger: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    other = api_as(stranger)
    assert other.get(f"/tickets/{ticket.pk}").status_code == 404
    assert (
        other.post("/tickets", {"customer_id": str(customer.pk), "subject": "x"}).status_code == 404
    )
    assert other.post(f"/tickets/{ticket.pk}/transition", {"to": "in_progress"}).status_code == 404
    assert (
        other.post(f"/tickets/{ticket.pk}/assign", {"assignee": stranger.username}).status_code
        == 404
    )
    assert other.get("/tickets").json()["items"] == []
    assert Ticket.objects.count() == 1 and Ticket.objects.get().status == "new"
    assert Event.objects.filter(name="ticket.changed").count() == 1


def test_marketing_reads_masked_and_may_not_write(
    api_as: Callable[..., Any], marketing: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one(description="客户的原话")
    reader = api_as(marketing)
    data = reader.get(f"/tickets/{ticket.pk}").json()
    assert data["description"] is None and data["masked"] == ["subject", "description", "note"]
    assert "客户的原话" not in reader.get(f"/tickets/{ticket.pk}").content.decode()
    assert all(row["note"] is None for row in data["history"])
    assert reader.post(f"/tickets/{ticket.pk}/transition", {"to": "in_progress"}).status_code == 403
    created = reader.post("/tickets", {"customer_id": str(customer.pk), "subject": "x"})
    assert created.status_code == 403
    assert Ticket.objects.count() == 1


def test_analysts_may_not_list_tickets(api_as: Callable[..., Any], analyst: User) -> None:
    assert api_as(analyst).get("/tickets").status_code == 403


def test_a_read_only_token_reads_but_cannot_write(
    api_as: Callable[..., Any], owner: User, customer: Any, open_one: Callable[..., Ticket]
) -> None:
    ticket = open_one()
    reader = api_as(owner, scope="read")
    assert reader.get(f"/tickets/{ticket.pk}").status_code == 200
    for path, body in [
        ("/tickets", {"customer_id": str(customer.pk), "subject": "x"}),
        (f"/tickets/{ticket.pk}/transition", {"to": "in_progress"}),
        (f"/tickets/{ticket.pk}/assign", {"assignee": owner.username}),
    ]:
        refused = reader.post(path, body)
        assert (refused.status_code, refused.json()["code"]) == (403, "token_read_only")
    assert Ticket.objects.count() == 1 and Ticket.objects.get().status == "new"
    assert TicketTransition.objects.count() == 1


def test_unknown_and_odd_ids_are_404_or_422(api: Any) -> None:
    assert api.get("/tickets/999999").status_code == 404
    assert api.get("/tickets/0").status_code == 422
    assert api.post("/tickets", {"customer_id": "not-a-uuid", "subject": "x"}).status_code == 422
