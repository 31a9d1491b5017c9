"""The scan fills the review queue; the pages show a group, merge it and undo the merge."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from dossier.customers.models import Customer
from dossier.matching.models import DuplicateGroup, Merge
from dossier.matching.services.scanning import run_scan

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(sales: User, make_customer: Any) -> dict[str, Customer]:
    made = {
        "zhang": make_customer(sales, display_name="张伟", phone="13912340000"),
        "zhang_again": make_customer(
            sales, display_name="Wei Zhang", phone="+86 139 1234 0000", allow_duplicate=True
        ),
        "wife": make_customer(sales, display_name="李娜", phone="13912340000"),
        "other": make_customer(sales, display_name="王芳", phone="13700000000"),
    }
    return made


def test_the_scan_queues_the_duplicates_and_not_the_household(
    people: dict[str, Customer],
) -> None:
    scan = run_scan()
    assert scan.status == "completed"
    groups = [
        sorted(str(pk) for pk in g.members.values_list("customer_id", flat=True))
        for g in DuplicateGroup.objects.all()
    ]
    assert groups == [sorted([str(people["zhang"].pk), str(people["zhang_again"].pk)])]
    stored = json.dumps(DuplicateGroup.objects.get().pairs, ensure_ascii=False)
    # the queue keeps outcomes, never the values compared
    assert "1391234" not in stored and "张伟" not in stored
    # a second scan refreshes the open group instead of adding one
    run_scan()
    assert DuplicateGroup.objects.count() == 1


def test_the_scan_command_prints_a_json_summary(people: dict[str, Customer]) -> None:
    out = StringIO()
    call_command("dedup", "scan", "--json", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["customers"] == 4
    assert summary["groups"] == 1


def test_a_group_is_reviewed_merged_and_undone_on_the_pages(
    client: Client, sales: User, people: dict[str, Customer]
) -> None:
    run_scan()
    group = DuplicateGroup.objects.get()
    client.force_login(sales)
    queue = client.get("/duplicates/").content.decode()
    assert f"/duplicates/{group.pk}/" in queue
    assert "same phone" in queue  # the likeliest pair's reason, in words
    page = client.get(f"/duplicates/{group.pk}/").content.decode()
    assert "phone equal" in page
    assert "张伟" in page and "Wei Zhang" in page
    merged = client.post(
        f"/duplicates/{group.pk}/merge/",
        {"survivor": str(people["zhang"].pk), "pick_display_name": str(people["zhang_again"].pk)},
    )
    assert merged.status_code == 302
    merge = Merge.objects.get()
    assert Customer.objects.get(pk=people["zhang"].pk).display_name == "Wei Zhang"
    assert Customer.objects.get(pk=people["zhang_again"].pk).deleted_at is not None
    assert DuplicateGroup.objects.get().status == "merged"
    undone = client.post(f"/duplicates/merges/{merge.pk}/undo/", follow=True)
    assert "every record is back" in undone.content.decode()
    assert Customer.objects.get(pk=people["zhang"].pk).display_name == "张伟"
    assert Customer.objects.get(pk=people["zhang_again"].pk).deleted_at is None


def test_another_teams_user_sees_neither_the_group_nor_the_merge(
    client: Client, outsider: User, people: dict[str, Customer], api_as: Any
) -> None:
    run_scan()
    group = DuplicateGroup.objects.get()
    client.force_login(outsider)
    assert f"/duplicates/{group.pk}/" not in client.get("/duplicates/").content.decode()
    assert client.get(f"/duplicates/{group.pk}/").status_code == 404
    assert client.post(f"/duplicates/{group.pk}/merge/", {}).status_code == 404
    assert api_as(outsider).get(f"/duplicates/{group.pk}").status_code == 404
    assert api_as(outsider).get("/duplicates").json() == []
    assert not Merge.objects.exists()


def test_the_api_merges_and_refuses_an_undo_after_an_edit(
    api_as: Any, sales: User, people: dict[str, Customer]
) -> None:
    ids = [str(people["zhang"].pk), str(people["zhang_again"].pk)]
    made = api_as(sales).post("/merges", {"customers": ids, "survivor": ids[0]})
    assert made.status_code == 201, made.content
    survivor = Customer.objects.get(pk=ids[0])
    edited = api_as(sales).patch(
        f"/customers/{ids[0]}", {"version": survivor.version, "values": {"points": 3}}
    )
    assert edited.status_code == 200
    refused = api_as(sales).post(f"/merges/{made.json()['id']}/undo")
    assert refused.status_code == 409
    assert refused.json()["code"] == "merge_changed_since"


def test_a_sales_user_may_not_start_a_scan(api_as: Any, sales: User, manager: User) -> None:
    assert api_as(sales).post("/duplicates/scan").status_code == 403
    assert api_as(manager).post("/duplicates/scan").status_code == 202


def test_the_pairs_command_reads_a_file_without_the_database(tmp_path: Any) -> None:
    source = tmp_path / "people.csv"
    source.write_text(
        "id,name,phone\n1,张伟,13800138000\n2,Zhang Wei,+86 138 0013 8000\n3,李娜,13900000000\n",
        encoding="utf-8",
    )
    out = StringIO()
    call_command("dedup", "pairs", str(source), "--id-column", "id", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "id_a,id_b,score"
    assert [line.split(",")[:2] for line in lines[1:]] == [["1", "2"]]
