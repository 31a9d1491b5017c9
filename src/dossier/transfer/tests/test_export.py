"""The customer export: what each role gets, bad options, hostile cells, encodings, formats."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import load_workbook

from dossier.audit.models import AuditEvent
from dossier.customers.services import create_customer, create_tag, set_customer_tags
from dossier.site.tests.matrix_fixtures import (
    ID_NUMBER,
    MASKED_ID,
    MASKED_PHONE,
    PHONE,
    World,
    build_world,
)
from dossier.templates.selectors import get_template
from dossier.transfer import exporting

HOSTILE = '=HYPERLINK("http://x")'


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


def export(world: World, tmp_path: Path, user: str, *args: str, suffix: str = "csv") -> bytes:
    out = tmp_path / f"out.{suffix}"
    name = world.users[user].username if user in world.users else user
    call_command("export", "customers", "--as", name, "--output", str(out), *args)
    return out.read_bytes()


def rows(data: bytes, encoding: str = "utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding))))


def ids(table: list[list[str]]) -> set[str]:
    return {row[0] for row in table[1:]}


def test_marketing_gets_phones_masked(world: World, tmp_path: Path) -> None:
    data = export(world, tmp_path, "marketing", "--template", "retail_member")
    table = rows(data)
    assert ids(table) == {str(world.member.pk)}
    phone = table[0].index("Mobile number")
    assert table[1][phone] == MASKED_PHONE
    assert PHONE not in data.decode("utf-8-sig")


def test_nobody_gets_a_whole_id_number(world: World, tmp_path: Path) -> None:
    for user in ("admin", "manager"):
        table = rows(export(world, tmp_path, user, "--template", "real_estate_buyer"))
        text = "\n".join(",".join(r) for r in table)
        assert ID_NUMBER not in text, user
        assert MASKED_ID in text, user


def test_analyst_is_refused_on_the_command_line_and_the_page(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="may not export"):
        export(world, tmp_path, "analyst")
    client = Client()
    client.force_login(world.users["analyst"])
    assert client.get("/transfer/export/customers/").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_service_may_see_but_not_export(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="may not export"):
        export(world, tmp_path, "service")


def test_another_teams_customers_are_not_in_the_export(world: World, tmp_path: Path) -> None:
    east = ids(rows(export(world, tmp_path, "manager")))
    assert str(world.estate.pk) in east
    assert str(world.contract.pk) not in east  # west's
    assert str(world.account.pk) not in east
    assert ids(rows(export(world, tmp_path, "marketing"))) == {str(world.member.pk)}


def test_without_as_the_command_refuses(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="--as"):
        call_command("export", "customers", "--output", str(tmp_path / "x.csv"))
    with pytest.raises(CommandError, match="nobody"):
        export(world, tmp_path, "nobody")


@pytest.mark.parametrize(
    ("option", "value"),
    [("--tag", "没有这个标签"), ("--template", "no_such_template"), ("--fields", "no_such_field")],
)
def test_an_unknown_option_value_is_named(
    world: World, tmp_path: Path, option: str, value: str
) -> None:
    with pytest.raises(CommandError, match=value):
        export(world, tmp_path, "admin", option, value)
    assert not (tmp_path / "out.csv").exists()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_fields_choose_the_columns_by_key(world: World, tmp_path: Path) -> None:
    table = rows(export(world, tmp_path, "admin", "--fields", "display_name,phone"))
    assert table[0] == ["ID", "Template", "Name", "Phone", "Tags", "Owner", "Created", "Updated"]


def _hostile(world: World) -> Any:
    return create_customer(
        actor=world.users["admin"],
        template=get_template(key="retail_member"),
        values={
            "display_name": HOSTILE,
            "phone": PHONE,
            "city": "+1+1",
            "company": "@SUM(A1)",
        },
        owner=world.users["service"],
    )


def test_formula_cells_are_neutralised_in_csv(world: World, tmp_path: Path) -> None:
    hostile = _hostile(world)
    table = rows(export(world, tmp_path, "admin", "--fields", "display_name,city,company"))
    row = next(r for r in table if r[0] == str(hostile.pk))
    assert row[2:5] == ["'" + HOSTILE, "'+1+1", "'@SUM(A1)"]


def test_formula_cells_are_neutralised_in_xlsx(world: World, tmp_path: Path) -> None:
    hostile = _hostile(world)
    export(world, tmp_path, "admin", "--format", "xlsx", "--fields", "display_name", suffix="xlsx")
    sheet = load_workbook(tmp_path / "out.xlsx").active
    found = [r for r in sheet.iter_rows(values_only=True) if r[0] == str(hostile.pk)]
    assert found[0][2] == "'" + HOSTILE
    cell = next(c for r in sheet.iter_rows() for c in r if c.value == "'" + HOSTILE)
    assert cell.data_type == "s"  # text, not a formula


def test_neutralise_covers_every_formula_start() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert exporting.neutralise(start + "1") == "'" + start + "1"
    assert exporting.neutralise("王建国") == "王建国"


def test_csv_starts_with_a_byte_order_mark_once(world: World, tmp_path: Path) -> None:
    data = export(world, tmp_path, "admin")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\xef\xbb\xbf") == 1
    assert "王建国" in data.decode("utf-8-sig")


def test_gbk_export_reads_back_in_gbk(world: World, tmp_path: Path) -> None:
    data = export(world, tmp_path, "admin", "--encoding", "gbk")
    assert "王建国" in data.decode("gbk")
    assert not data.startswith(b"\xef\xbb\xbf")


def test_gbk_names_the_row_and_field_it_cannot_hold(world: World, tmp_path: Path) -> None:
    odd = create_customer(
        actor=world.users["admin"],
        template=get_template(key="retail_member"),
        values={"display_name": "Zoë 😀", "phone": PHONE},
        owner=world.users["service"],
    )
    with pytest.raises(CommandError) as raised:
        export(world, tmp_path, "admin", "--encoding", "gbk")
    assert str(odd.pk) in str(raised.value)
    assert "Name" in str(raised.value)
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "out.csv.part").exists()


def test_json_is_an_array_of_objects_keyed_by_field(world: World, tmp_path: Path) -> None:
    data = json.loads(export(world, tmp_path, "marketing", "--format", "json", suffix="json"))
    assert isinstance(data, list)
    assert [item["id"] for item in data] == [str(world.member.pk)]
    assert data[0]["phone"] == MASKED_PHONE
    assert data[0]["tags"] == []


def test_an_empty_result_still_has_a_header(world: World, tmp_path: Path) -> None:
    create_tag(actor=world.users["admin"], name="空标签")
    table = rows(export(world, tmp_path, "admin", "--tag", "空标签"))
    assert table == [["ID", "Template", *table[0][2:-4], "Tags", "Owner", "Created", "Updated"]]
    assert len(table[0]) > 6
    assert json.loads(export(world, tmp_path, "admin", "--tag", "空标签", "--format", "json")) == []


def test_tag_filter_and_tag_column(world: World, tmp_path: Path) -> None:
    set_customer_tags(
        actor=world.users["admin"], customer_id=world.estate.pk, tag_ids=[world.tag.pk]
    )
    table = rows(export(world, tmp_path, "admin", "--tag", "VIP"))
    assert ids(table) == {str(world.estate.pk)}
    assert table[1][table[0].index("Tags")] == "VIP"


def test_one_audit_event_with_count_filters_and_format_but_no_data(
    world: World, tmp_path: Path
) -> None:
    export(world, tmp_path, "marketing", "--template", "retail_member", "--format", "json")
    event = AuditEvent.objects.get(action="export")
    assert event.actor == world.users["marketing"]
    assert event.changes["rows"] == 1
    assert event.changes["filters"] == {"template": "retail_member"}
    assert event.changes["format"] == "json"
    assert "李小龙" not in json.dumps(event.changes, ensure_ascii=False)


def test_chunks_read_every_row_once(world: World, tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(exporting, "CHUNK", 2)
    table = rows(export(world, tmp_path, "admin"))
    assert len(table) - 1 == len(ids(table)) == 5


def test_page_streams_the_list_filters_for_the_signed_in_user(world: World) -> None:
    client = Client()
    client.force_login(world.users["manager"])
    response = client.get("/transfer/export/customers/?template=real_estate_buyer&format=csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="customers.csv"'
    table = rows(b"".join(response.streaming_content))
    assert ids(table) == {str(world.estate.pk)}
    assert ID_NUMBER not in str(table)


def test_page_xlsx_download_opens(world: World) -> None:
    client = Client()
    client.force_login(world.users["marketing"])
    response = client.get("/transfer/export/customers/?format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    values = [r for r in book.active.iter_rows(values_only=True)]
    assert values[1][0] == str(world.member.pk)


@pytest.mark.parametrize(
    "query", ["format=pdf", "encoding=latin-1", "fields=no_such_field", "template=nope", "tag=nope"]
)
def test_page_refuses_bad_options(world: World, query: str) -> None:
    client = Client()
    client.force_login(world.users["admin"])
    response = client.get(f"/transfer/export/customers/?{query}")
    assert response.status_code == 400
    assert query.split("=")[1] in response.content.decode()


def test_header_and_errors_speak_chinese(world: World, tmp_path: Path, settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"
    table = rows(export(world, tmp_path, "admin", "--fields", "display_name"))
    assert table[0] == ["编号", "模板", "名称", "标签", "负责人", "创建时间", "更新时间"]
    with pytest.raises(CommandError, match="没有字段“nope”"):
        export(world, tmp_path, "admin", "--fields", "nope")


def test_without_output_the_export_goes_to_stdout(world: World) -> None:
    out = io.StringIO()
    name = world.users["marketing"].username
    call_command("export", "customers", "--as", name, "--format", "json", stdout=out)
    assert [item["id"] for item in json.loads(out.getvalue())] == [str(world.member.pk)]


def test_xlsx_needs_an_output_file(world: World) -> None:
    with pytest.raises(CommandError, match="--output"):
        call_command(
            "export", "customers", "--as", world.users["admin"].username, "--format", "xlsx"
        )
