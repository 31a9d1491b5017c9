"""The import wizard's pages: upload, mapping, preview, start, the run's summary, errors, undo."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.templates.models import Template
from dossier.transfer.models import ImportRun, SavedMapping
from dossier.transfer.tests.import_helpers import HEADER, member_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.DATA_DIR = tmp_path


def csv_bytes(rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    lines = [",".join(header), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode(encoding)


def client_of(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(
    client: Client,
    data: bytes,
    name: str = "会员.csv",
    template: str = "member",
    mode: str = "upsert",
) -> Any:
    file = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post("/transfer/imports/", {"template": template, "mode": mode, "file": file})


def mapping_post(run: ImportRun, **changes: Any) -> dict[str, Any]:
    """The mapping form as the page fills it (the suggestions), with ``changes``."""
    post: dict[str, Any] = {"mode": run.options.get("mode", "upsert")}
    for index, header in enumerate(run.options["headers"]):
        post[f"column_{index}"] = run.mapping.get(header) or ""
    post.update(changes)
    return post


@pytest.fixture
def seller(make_user: Callable[..., User], member_template: Template) -> User:
    return make_user("importing-seller", roles.SALES, team="east")


@pytest.fixture
def draft(seller: User) -> ImportRun:
    bad = member_row(3)
    bad[1] = "12345"  # not a mobile number
    response = upload(client_of(seller), csv_bytes([member_row(1), member_row(2), bad]))
    assert response.status_code == 302, response.content.decode()[:500]
    run = ImportRun.objects.get()
    assert response["Location"] == f"/transfer/imports/{run.pk}/mapping/"
    return run


def test_upload_opens_a_draft_with_the_suggested_mapping_preselected(
    seller: User, draft: ImportRun
) -> None:
    assert draft.status == ImportRun.DRAFT and draft.actor == seller
    page = client_of(seller).get(f"/transfer/imports/{draft.pk}/mapping/").content.decode()
    assert draft.mapping["手机号"] == "phone"
    # the phone column (the second) has the phone field chosen; 姓名 fills the name
    phone_select = page.split('name="column_1"', 1)[1].split("</select>", 1)[0]
    assert '<option value="phone" selected>' in phone_select
    name_select = page.split('name="column_0"', 1)[1].split("</select>", 1)[0]
    assert '<option value="display_name" selected>' in name_select
    assert '<option value="">(do not import)</option>' in page
    assert 'name="match_on" value="member_no" checked' in page


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("members.csv", b"", "The file is empty (0 bytes)"),
        ("members.pdf", b"%PDF-1.4", "Upload a CSV, XLSX, XLS or ODS file."),
        ("members.csv", b"\x00\x01\x02\xff\xfe" * 200, "not a text table"),
    ],
)
def test_an_unreadable_upload_shows_the_form_again_with_the_reason(
    seller: User, name: str, data: bytes, reason: str, tmp_path: Any
) -> None:
    response = upload(client_of(seller), data, name=name)
    assert response.status_code == 422
    page = response.content.decode()
    assert reason in page and 'id="upload-errors"' in page
    assert not ImportRun.objects.exists()
    assert list((tmp_path / "imports").glob("*")) == []  # nothing of it kept


def test_an_upload_without_a_file_or_template_names_what_is_missing(seller: User) -> None:
    client = client_of(seller)
    no_file = client.post("/transfer/imports/", {"template": "member", "mode": "upsert"})
    assert no_file.status_code == 422
    assert "Choose a file to upload." in no_file.content.decode()
    no_template = upload(client, csv_bytes([member_row(1)]), template="nope")
    assert no_template.status_code == 422
    assert "Choose the template the customers are on." in no_template.content.decode()
    bad_mode = upload(client, csv_bytes([member_row(1)]), mode="replace")
    assert bad_mode.status_code == 422
    assert "Choose how to import." in bad_mode.content.decode()


def test_the_upload_form_offers_only_templates_the_user_may_create_customers_of(
    make_user: Callable[..., User], member_template: Template
) -> None:
    from dossier.core.actors import system_actor
    from dossier.templates.services import create_template

    create_template(
        actor=system_actor("tests"), key="repairs", name_zh="维修", scenario="after_sales"
    )
    page = client_of(make_user("picky", roles.SALES)).get("/transfer/imports/").content.decode()
    assert 'value="member"' in page and 'value="repairs"' not in page


def test_preview_shows_the_first_rows_outcome_and_errors_without_writing(
    seller: User, draft: ImportRun
) -> None:
    client = client_of(seller)
    response = client.post(
        f"/transfer/imports/{draft.pk}/preview/", mapping_post(draft), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("new customer") == 2 and page.count("has errors") == 1
    # the field's name next to its reason, on the row's own line
    failed = page.split('id="preview-line-4"', 1)[1].split("</tr>", 1)[0]
    assert "<strong>Phone</strong>: Phone is not a valid phone number." in failed
    assert Customer.objects.count() == 0
    assert ImportRun.objects.get().status == ImportRun.DRAFT


def test_preview_and_start_name_an_unknown_field_next_to_its_column(
    seller: User, draft: ImportRun
) -> None:
    client = client_of(seller)
    post = mapping_post(draft, column_4="no_such_field", start="1")
    response = client.post(f"/transfer/imports/{draft.pk}/mapping/", post)
    assert response.status_code == 422
    page = response.content.decode()
    row = page.split('id="column-4"', 1)[1].split("</tr>", 1)[0]
    assert "no_such_field is not a field of this template." in row
    assert ImportRun.objects.get().status == ImportRun.DRAFT
    preview = client.post(f"/transfer/imports/{draft.pk}/preview/", post, HTTP_HX_REQUEST="true")
    assert "no_such_field is not a field of this template." in preview.content.decode()


def test_two_columns_for_one_field_and_a_missing_match_column_are_named(
    seller: User, draft: ImportRun
) -> None:
    post = mapping_post(draft, column_2="phone", match_on=["id_number"], column_3="")
    response = client_of(seller).post(f"/transfer/imports/{draft.pk}/mapping/", post)
    assert response.status_code == 422
    page = response.content.decode()
    assert "both fill this field" in page.split('id="column-2"', 1)[1].split("</tr>", 1)[0]
    assert "no column of the file fills it" in page.split('id="match-errors"', 1)[1]


def test_start_queues_the_run_and_the_run_page_shows_the_summary(
    seller: User, draft: ImportRun, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_of(seller)
    post = mapping_post(draft, start="1", remember="1", match_on=["member_no"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/transfer/imports/{draft.pk}/mapping/", post)
    assert response.status_code == 302
    assert response["Location"] == f"/transfer/imports/{draft.pk}/"
    run = ImportRun.objects.get()
    assert (run.status, run.rows, run.created, run.failed) == ("completed", 3, 2, 1)
    assert run.options["match_on"] == ["member_no"]
    assert SavedMapping.objects.get(template=run.template).mapping["手机号"] == "phone"
    page = client.get(response["Location"]).content.decode()
    assert 'id="count-created" class="count-ok">2<' in page
    assert "every 1s" not in page  # finished: no more polling
    assert f"/transfer/imports/{run.pk}/errors.csv" in page
    assert "0 blank lines skipped" in page
    listing = client.get("/transfer/imports/").content.decode()
    assert f'id="run-{run.pk}"' in listing and "会员.csv" in listing


def test_a_running_run_polls_its_progress(seller: User, draft: ImportRun) -> None:
    started = timezone.now() - timedelta(seconds=100)
    ImportRun.objects.filter(pk=draft.pk).update(
        status="running", rows=1000, expected_rows=3000, started_at=started
    )
    client = client_of(seller)
    page = client.get(f"/transfer/imports/{draft.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and 'max="3000" value="1000"' in page
    partial = client.get(f"/transfer/imports/{draft.pk}/", HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert text.startswith('<section id="report"') and "1000 of about 3000 rows" in text
    assert " 10 rows/s" in text


def _finished(client: Client, draft: ImportRun, capture: Any) -> ImportRun:
    with capture(execute=True):
        client.post(f"/transfer/imports/{draft.pk}/mapping/", mapping_post(draft, start="1"))
    return ImportRun.objects.get(pk=draft.pk)


def test_the_error_file_is_streamed_in_the_readers_language_and_audited(
    seller: User, draft: ImportRun, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_of(seller)
    run = _finished(client, draft, django_capture_on_commit_callbacks)
    response = client.get(f"/transfer/imports/{run.pk}/errors.csv")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "row,column,field,value,code,reason"
    assert len(lines) == 2 and lines[1].startswith("4,手机号,phone,12345,")
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    chinese = client.get(f"/transfer/imports/{run.pk}/errors.csv")
    assert b"".join(chinese.streaming_content).decode("utf-8-sig").startswith("行号,列,字段")
    event = AuditEvent.objects.filter(action="export", object_type="import_errors").first()
    assert event is not None and event.actor == seller and event.changes["rows"] == 1


def test_another_users_run_is_not_found_and_an_admin_sees_it(
    seller: User, draft: ImportRun, make_user: Callable[..., User]
) -> None:
    other = client_of(make_user("other-seller", roles.SALES, team="east"))
    for url in ("", "mapping/", "errors.csv"):
        assert other.get(f"/transfer/imports/{draft.pk}/{url}").status_code == 404, url
    for url in ("preview/", "discard/", "undo/", "mapping/"):
        assert other.post(f"/transfer/imports/{draft.pk}/{url}", {}).status_code == 404, url
    assert "会员.csv" not in other.get("/transfer/imports/").content.decode()
    assert ImportRun.objects.filter(pk=draft.pk).exists()
    admin = client_of(make_user("import-admin", roles.ADMIN))
    assert admin.get(f"/transfer/imports/{draft.pk}/mapping/").status_code == 200
    assert "会员.csv" in admin.get("/transfer/imports/").content.decode()


@pytest.mark.parametrize("role", [roles.MARKETING, roles.ANALYST])
def test_roles_that_may_not_write_customers_are_refused_every_page(
    role: str, draft: ImportRun, make_user: Callable[..., User]
) -> None:
    client = client_of(make_user(f"no-import-{role}", role))
    assert client.get("/transfer/imports/").status_code == 403
    assert upload(client, csv_bytes([member_row(1)])).status_code == 403
    assert client.get(f"/transfer/imports/{draft.pk}/").status_code == 403
    assert client.post(f"/transfer/imports/{draft.pk}/discard/").status_code == 403
    assert "/transfer/imports/" not in client.get("/customers/").content.decode()


def test_discard_deletes_the_draft_and_its_file(seller: User, draft: ImportRun) -> None:
    stored = draft.stored_file
    response = client_of(seller).post(f"/transfer/imports/{draft.pk}/discard/")
    assert response.status_code == 302 and response["Location"] == "/transfer/imports/"
    assert not ImportRun.objects.exists()
    from pathlib import Path

    assert not Path(stored).exists()


def test_undo_removes_what_the_run_created_and_a_second_undo_says_it_is_done(
    seller: User, draft: ImportRun, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_of(seller)
    run = _finished(client, draft, django_capture_on_commit_callbacks)
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 2
    first = client.post(f"/transfer/imports/{run.pk}/undo/", follow=True)
    assert "Import undone: 2 customers removed, 0 restored." in first.content.decode()
    assert Customer.objects.filter(deleted_at__isnull=True).count() == 0
    assert ImportRun.objects.get(pk=run.pk).status == ImportRun.UNDONE
    again = client.post(f"/transfer/imports/{run.pk}/undo/", follow=True)
    assert "The import has already been undone." in again.content.decode()
    assert "Undo the import" not in again.content.decode()


def test_the_customer_list_links_to_the_imports_for_those_who_may_import(
    seller: User, member_template: Template
) -> None:
    assert "/transfer/imports/" in client_of(seller).get("/customers/").content.decode()


def test_pages_speak_chinese(seller: User, draft: ImportRun) -> None:
    client = client_of(seller)
    client.post("/i18n/setlang/", {"language": "zh-hans"})
    assert "导入客户" in client.get("/transfer/imports/").content.decode()
    page = client.get(f"/transfer/imports/{draft.pk}/mapping/").content.decode()
    assert "（不导入）" in page and "预览" in page
    # words other apps translate otherwise ("Created" is 创建时间 on lists) read right here
    runs = client.get("/transfer/imports/").content.decode()
    assert ">新建</th>" in runs and ">更新</th>" in runs and "草稿" in runs


def test_the_upload_needs_the_csrf_token(seller: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller)
    file = SimpleUploadedFile("m.csv", csv_bytes([member_row(1)]))
    response = client.post(
        "/transfer/imports/", {"template": "member", "mode": "upsert", "file": file}
    )
    assert response.status_code == 403
    assert not ImportRun.objects.exists()


def test_markup_in_headers_and_cells_is_shown_as_text_and_the_file_name_loses_its_path(
    seller: User,
) -> None:
    client = client_of(seller)
    header = ["<script>alert(1)</script>", *HEADER[1:]]
    row = ["<img src=x onerror=alert(1)>", *member_row(1)[1:]]
    response = upload(client, csv_bytes([row], header=header), name="../../etc/会员.csv")
    run = ImportRun.objects.get()
    assert run.file_name == "会员.csv" and "/etc" not in run.stored_file
    page = client.get(response["Location"]).content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    preview = client.post(
        f"/transfer/imports/{run.pk}/preview/", mapping_post(run), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<img src=x" not in preview and "&lt;img src=x" in preview


def test_a_tampered_mapping_post_cannot_name_columns_the_file_lacks(
    seller: User, draft: ImportRun, django_capture_on_commit_callbacks: Any
) -> None:
    post = mapping_post(draft, column_99="phone", start="1")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_of(seller).post(f"/transfer/imports/{draft.pk}/mapping/", post)
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert sorted(run.mapping) == sorted(draft.options["headers"])  # 99 is no column at all


def test_a_run_stopped_midway_may_be_undone_and_a_refused_one_names_its_reason(
    seller: User, draft: ImportRun
) -> None:
    ImportRun.objects.filter(pk=draft.pk).update(status="failed", reason="权限已变更")
    page = client_of(seller).get(f"/transfer/imports/{draft.pk}/").content.decode()
    assert "权限已变更" in page and "Undo the import" in page
    ImportRun.objects.filter(pk=draft.pk).update(status="refused", reason="The file is empty")
    page = client_of(seller).get(f"/transfer/imports/{draft.pk}/").content.decode()
    assert "The file is empty" in page and "Undo the import" not in page


def test_the_summary_names_what_the_reading_skipped_and_the_columns_left_out(
    seller: User, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_of(seller)
    lines = [",".join(HEADER), ",".join(member_row(1)), "", ",".join(HEADER)]
    lines.append(",".join(member_row(2)))
    response = upload(client, ("\n".join(lines) + "\n").encode())
    run = ImportRun.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], mapping_post(run, column_4="", start="1"))
    page = client.get(f"/transfer/imports/{run.pk}/").content.decode()
    assert ImportRun.objects.get().created == 2
    assert "1 blank line skipped" in page and "1 repeated header row skipped" in page
    assert "Columns not imported: <code>积分</code>" in page
    assert "/errors.csv" not in page  # no failed row, no error file
