"""A dump of the whole database and every log line hold none of the personal values stored.

Customers are created and changed through the services, the API and the pages; a manager
reveals and exports them; consent is recorded; a customer corrects their profile through a
self-service link. All the while every log record is kept, with SQL logging on (where query
parameters would leak). Then the database is dumped as an attacker with a copy of it would
see it (``pg_dump`` on PostgreSQL, the raw file on SQLite) and searched for every plaintext
value and distinctive fragments of them.
"""

from __future__ import annotations

import glob
import importlib
import json
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from dossier.accounts.services import create_user, ensure_roles
from dossier.audit.models import AuditEvent
from dossier.core import roles
from dossier.customers.models import Customer
from dossier.customers.services import create_customer, update_customer
from dossier.privacy.models import SubjectRequest
from dossier.privacy.retention import ensure_default_policies
from dossier.templates.selectors import get_template
from dossier.templates.services import install_builtin_templates

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-42"
ID_NUMBER = "11010519491231002X"
ID_NUMBER_2 = "440305198506173512"
ID_NUMBER_3 = "320106197708234516"  # another team's customer, out of the manager's sight
NOTE = "客户要求查询全部资料联系人陈小姐"
# Every personal value the test stores, and fragments long enough (7+ characters) not to
# turn up by chance in ciphertext, timestamps or UUIDs.
SECRETS = [
    # the service-created customer, before and after a change
    "13800138000", "0013800", "138 0013 8000", "13671829364", "7182936",
    "wang.jianguo@example.com", "wang.jianguo",
    "朝阳区建国门外大街甲88号", "建国门外大街甲88", "海淀区中关村南大街27号", "中关村南大街27",
    ID_NUMBER, ID_NUMBER[:-1], "9876543.21", "9876543",
    # the API-created customer
    "13957246813", "5724681", "li.xiaolong@example.org", "li.xiaolong",
    "li.xl.patched@example.org", "li.xl.patched", "浦东新区世纪大道1001号", "世纪大道1001",
    ID_NUMBER_2, ID_NUMBER_2[:-1], "8765432.10", "8765432",
    # the page-created customer, and what the self-service page corrected
    "15820946731", "2094673", "chen.jing.page@example.net", "chen.jing.page",
    "天河区珠江新城花城大道66号", "珠江新城花城大道", "wjg.selfservice@example.cn",
    "wjg.selfservice", "徐汇区漕溪北路595号", "漕溪北路595",
    # a data-subject request's note, in the customer's words
    NOTE, "联系人陈小姐",
    # the other team's customer a manager tried to expose by reclassifying (see below)
    ID_NUMBER_3, ID_NUMBER_3[:-1], "7654321.98", "7654321", "13622847591", "2284759",
]  # fmt: skip


def restore_migrated_data() -> None:
    """What ``dossier migrate`` leaves in a new database (a transactional test empties it)."""
    ensure_roles()
    install_builtin_templates()
    purposes = importlib.import_module("dossier.consent.migrations.0002_default_purposes")
    purposes.forwards(apps, None)
    ensure_default_policies()


@pytest.fixture(scope="module", autouse=True)
def _migrated_data_back_for_later_tests(django_db_setup: Any, django_db_blocker: Any) -> Iterator:
    # torn down after the last test's flush: later tests find roles and built-ins again
    yield
    with django_db_blocker.unblock():
        restore_migrated_data()


@pytest.fixture
def every_log_record(caplog: pytest.LogCaptureFixture, settings: Any) -> Iterator[Any]:
    """Every log record at DEBUG, SQL with its parameters included."""
    settings.DEBUG = True  # Django logs SQL (django.db.backends) only with DEBUG on
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    quiet = [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.propagate
    ]
    for logger in quiet:  # loggers that do not pass records up to the root
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in quiet:
        logger.removeHandler(caplog.handler)


def forms_of(secret: str) -> list[str]:
    """The text as stored: as is, and JSON-escaped (JSON columns on SQLite, SQL parameters)."""
    return list(dict.fromkeys([secret, json.dumps(secret)[1:-1]]))


# ---- storing personal data every way the application does ------------------------------------


def _user(username: str, role: str) -> User:
    return create_user(username=username, password=PASSWORD, role=role, team="east")


def _api(user: User, api_as: Callable[..., Any]) -> Any:
    return api_as(user, "read_write")


def store_personal_data(api_as: Callable[..., Any]) -> dict[str, Any]:
    """Customers made, changed, searched, revealed, exported and corrected; returns their ids."""
    sales, manager = _user("li.na", roles.SALES), _user("zhou.min", roles.MANAGER)
    estate = get_template(key="real_estate_buyer")
    first = create_customer(
        actor=sales,
        template=estate,
        values={
            "display_name": "王建国",
            "phone": "13800138000",
            "email": "wang.jianguo@example.com",
            "address": "朝阳区建国门外大街甲88号",
            "id_number": ID_NUMBER,
            "annual_income": "9876543.21",
        },
    )
    update_customer(
        actor=sales,
        customer_id=first.pk,
        values={"phone": "13671829364", "address": "海淀区中关村南大街27号"},
        expected_version=1,
    )

    seller, boss = _api(sales, api_as), _api(manager, api_as)
    created = seller.post(
        "/customers",
        {
            "template": "real_estate_buyer",
            "values": {
                "display_name": "李晓龙",
                "phone": "13957246813",
                "email": "li.xiaolong@example.org",
                "address": "浦东新区世纪大道1001号",
                "id_number": ID_NUMBER_2,
                "annual_income": "8765432.10",
            },
        },
    )
    assert created.status_code == 201, created.content
    second = created.json()["id"]
    patched = seller.patch(
        f"/customers/{second}", {"version": 1, "values": {"email": "li.xl.patched@example.org"}}
    )
    assert patched.status_code == 200, patched.content
    for searcher, query in (
        (seller, "13957246813"),
        (seller, "li.xl.patched@example.org"),
        (boss, ID_NUMBER_2),  # searching by ID number needs the right to reveal it
    ):
        found = searcher.get(f"/customers?q={query}").json()["items"]
        assert [item["id"] for item in found] == [second], query

    browser = Client()
    browser.force_login(sales)
    page = browser.post(
        "/customers/new/real_estate_buyer/",
        {
            "kind": "person",
            "display_name": "陈静",
            "phone": "15820946731",
            "email": "chen.jing.page@example.net",
            "address": "天河区珠江新城花城大道66号",
        },
    )
    assert page.status_code == 302, page.content.decode()[:2000]

    # a reveal answers with the plaintext; nothing of it may be kept
    revealed = boss.post(
        f"/customers/{first.pk}/reveal",
        {"fields": ["id_number", "annual_income"], "reason": "核实购房合同身份"},
    )
    assert revealed.json()["values"]["id_number"] == ID_NUMBER

    granted = seller.post(
        f"/consent/customers/{first.pk}/grant",
        {"purpose": "service_notices", "channel": "sms", "source": "staff", "notice_version": "v1"},
    )
    assert granted.status_code == 201, granted.content
    code = seller.post(
        f"/consent/customers/{second}/double-opt-in",
        {"purpose": "marketing", "channel": "sms", "notice_version": "v1"},
    )
    assert code.status_code == 202, code.content

    request = boss.post(
        "/privacy/requests",
        {"customer_id": str(first.pk), "kind": "access", "received_via": "phone", "note": NOTE},
    )
    assert request.status_code == 201, request.content
    export = boss.get(f"/privacy/customers/{first.pk}/export?request_id={request.json()['id']}")
    assert export.json()["customer"]["values"]["id_number"] == ID_NUMBER

    link = boss.post(f"/privacy/customers/{first.pk}/self-service-link", {"days": 7})
    assert link.status_code == 201, link.content
    own_page = link.json()["url"].split("testserver", 1)[1]
    customer = Client()
    assert customer.get(own_page).status_code == 200
    corrected = customer.post(
        own_page,
        {
            "email": "wjg.selfservice@example.cn",
            "address": "徐汇区漕溪北路595号",
            "version": str(Customer.objects.get(pk=first.pk).version),
        },
    )
    assert corrected.status_code == 200, corrected.content.decode()[:2000]
    return {"first": first.pk, "second": second}


def attempt_reclassification(api_as: Callable[..., Any]) -> None:
    """A manager lowers 身份证 and income to general on the built-in template and migrates."""
    west = create_user(username="zhao.lei", password=PASSWORD, role=roles.SALES, team="west")
    other_team = _api(west, api_as).post(
        "/customers",
        {
            "template": "real_estate_buyer",
            "values": {"display_name": "赵磊", "phone": "13622847591",
                       "id_number": ID_NUMBER_3, "annual_income": "7654321.98"},
        },
    )  # fmt: skip
    assert other_team.status_code == 201, other_team.content
    manager = _api(User.objects.get(username="zhou.min"), api_as)
    assert manager.get(f"/customers/{other_team.json()['id']}").status_code == 404
    fields = manager.get("/templates/real_estate_buyer/versions/1").json()["fields"]
    for field in fields:
        if field["key"] in ("id_number", "annual_income"):
            field["classification"], field["sensitive"] = "general", False
    lowered = manager.put(
        "/templates/real_estate_buyer", {"fields": fields, "lowering_reason": "方便查看"}
    )
    assert lowered.status_code == 403, lowered.content
    assert lowered.json()["code"] == "classification_lowered"
    for confirm in ("", "?confirm_decrypt=true"):
        migrated = manager.post(f"/templates/real_estate_buyer/migrations{confirm}")
        assert migrated.status_code in (202, 403), migrated.content
    shown = manager.get("/templates/real_estate_buyer").json()["fields"]
    classes = {f["key"]: f["classification"] for f in shown}
    assert (classes["id_number"], classes["annual_income"]) == ("sensitive", "sensitive")
    assert not AuditEvent.objects.filter(action__in=["classification_lower", "profiles_decrypt"])


# ---- reading the database as stored ----------------------------------------------------------


def _major(binary: str) -> int:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    found = re.search(r"\(PostgreSQL\)\s+(\d+)", out.stdout)
    assert found, out.stdout
    return int(found.group(1))


def pg_dump_binary(server_major: int) -> str:
    """A pg_dump at least as new as the server (pg_dump refuses newer servers)."""
    found = shutil.which("pg_dump")
    if found and _major(found) >= server_major:
        return found
    matching = f"/usr/lib/postgresql/{server_major}/bin/pg_dump"
    if os.path.exists(matching):
        return matching
    pytest.fail(
        f"No pg_dump for PostgreSQL {server_major}: {found or 'none on PATH'} is older, and "
        f"{matching} does not exist (found: {glob.glob('/usr/lib/postgresql/*/bin/pg_dump')}). "
        f"Install postgresql-client-{server_major}."
    )


def dump_postgresql() -> bytes:
    settings = connection.settings_dict
    binary = pg_dump_binary(connection.pg_version // 10000)
    command = [binary, "--no-owner", "--no-privileges", "--dbname", settings["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if settings.get(key):
            command += [flag, str(settings[key])]
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    done = subprocess.run(command, capture_output=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout


def dump_sqlite(directory: Path) -> bytes:
    # the test database lives in memory: VACUUM INTO writes it out as a database file
    target = directory / "copy.sqlite3"
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(target)])
    return target.read_bytes()


def dump_database(directory: Path) -> bytes:
    if connection.vendor == "postgresql":
        return dump_postgresql()
    return dump_sqlite(directory)


# ---- the test --------------------------------------------------------------------------------


def test_database_dump_and_logs_hold_no_plaintext_personal_values(
    every_log_record: Any, api_as: Callable[..., Any], settings: Any, tmp_path: Path
) -> None:
    restore_migrated_data()  # an earlier transactional test may have emptied the database
    settings.DOSSIER_CONSENT_SENDER = "dossier.consent.senders.MemorySender"
    ids = store_personal_data(api_as)
    attempt_reclassification(api_as)

    # the values are there, whole, for those who read them through Dossier
    first = Customer.objects.get(pk=ids["first"])
    assert (first.phone, first.email) == ("+8613671829364", "wjg.selfservice@example.cn")
    assert first.protected["id_number"] == ID_NUMBER
    other_team = Customer.objects.get(display_name="赵磊")
    assert other_team.protected["id_number"] == ID_NUMBER_3
    assert "id_number" not in other_team.attributes
    assert SubjectRequest.objects.get(customer_id=first.pk).note == NOTE
    assert AuditEvent.objects.filter(action__in=["reveal", "export"]).count() == 2

    dump = dump_database(tmp_path)
    assert "王建国".encode() in dump or json.dumps("王建国")[1:-1].encode() in dump
    assert dump.count(b"v1.") >= 10  # the envelopes of phones, e-mails, addresses, protected
    logs = "\n".join(
        f"{record.name} {record.getMessage()} {record.exc_text or ''}"
        for record in every_log_record.records
    )
    inserts = [
        record.getMessage()
        for record in every_log_record.records
        if record.name == "django.db.backends"
        and 'INSERT INTO "customers_customer"' in record.getMessage()
    ]
    assert len(inserts) == 4, "SQL was not logged: the log check would prove nothing"
    assert all("v1." in sql for sql in inserts)  # the parameters were ciphertext
    found_in_dump = [s for s in SECRETS for form in forms_of(s) if form.encode() in dump]
    found_in_logs = [s for s in SECRETS for form in forms_of(s) if form in logs]
    assert found_in_dump == [], "plaintext in the database dump"
    assert found_in_logs == [], "plaintext in the logs"


# ---- after an erasure, nothing ties the person to the tombstone ------------------------------

ERASED_ID_NUMBER = "310106198807124534"
# the customer's values before and after an edit, and fragments of them
ERASED_SECRETS = [
    "欧阳建华", "欧阳建民", "13761524890", "6152489", "13788437215", "8843721",
    ERASED_ID_NUMBER, ERASED_ID_NUMBER[:-1], "静安区南京西路1266号", "南京西路1266",
    "ouyang.jm@example.com", "ouyang.jm",
]  # fmt: skip


def test_erasure_leaves_no_name_phone_id_or_address_in_the_dump_or_audit_log(
    api_as: Callable[..., Any], tmp_path: Path
) -> None:
    restore_migrated_data()
    manager = _api(_user("qian.hong", roles.MANAGER), api_as)
    created = manager.post(
        "/customers",
        {
            "template": "real_estate_buyer",
            "values": {
                "display_name": "欧阳建华",
                "phone": "13761524890",
                "email": "ouyang.jm@example.com",
                "address": "静安区南京西路1266号",
                "id_number": ERASED_ID_NUMBER,
            },
        },
    )
    assert created.status_code == 201, created.content
    customer = created.json()["id"]
    edited = manager.patch(
        f"/customers/{customer}",
        {"version": 1, "values": {"display_name": "欧阳建民", "phone": "13788437215"}},
    )
    assert edited.status_code == 200, edited.content
    # staff type the person's name and number into reasons, as they do
    revealed = manager.post(
        f"/customers/{customer}/reveal",
        {"fields": ["id_number"], "reason": "核实欧阳建民的身份证"},
    )
    assert revealed.status_code == 200, revealed.content
    restricted = manager.post(
        f"/privacy/customers/{customer}/restrict", {"reason": "欧阳建民来电 13788437215 要求暂停"}
    )
    assert restricted.status_code == 201, restricted.content
    lifted = manager.post(
        f"/privacy/customers/{customer}/lift-restriction", {"reason": "欧阳建民同意恢复"}
    )
    assert lifted.status_code == 200, lifted.content
    asked = manager.post(
        "/privacy/requests",
        {"customer_id": customer, "kind": "correction", "received_via": "phone"},
    )
    assert asked.status_code == 201, asked.content
    refused = manager.post(
        f"/privacy/requests/{asked.json()['id']}/refuse", {"reason": "欧阳建民的更正无依据"}
    )
    assert refused.status_code == 200, refused.content
    history = manager.get(f"/audit?customer={customer}").json()["items"]
    assert len(history) >= 6  # the log still says who did what to this customer, and why

    erased = manager.post(f"/privacy/customers/{customer}/erase", {})
    assert erased.status_code == 200, erased.content

    trail = json.dumps(manager.get(f"/audit?customer={customer}").json(), ensure_ascii=False)
    assert [s for s in ERASED_SECRETS if s in trail] == [], "personal values in the audit log"
    assert "display_name" in trail  # the change is named, its values are not
    dump = dump_database(tmp_path)
    found = [s for s in ERASED_SECRETS for form in forms_of(s) if form.encode() in dump]
    assert found == [], "plaintext of an erased customer in the database dump"
