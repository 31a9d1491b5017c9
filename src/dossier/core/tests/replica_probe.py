"""Run by test_replicas_streaming.py in a process of its own, with DOSSIER_DATABASE_URL (the
primary) and DOSSIER_REPLICA_URLS (its streaming replica) set: writes a customer through the
service, reads it through selectors and the API, and prints, as JSON, which server each read
went to."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import django

django.setup()

from django.db import connections, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from dossier.accounts.services import create_token, create_user, ensure_roles  # noqa: E402
from dossier.core import replicas  # noqa: E402
from dossier.core.actors import system_actor  # noqa: E402
from dossier.customers.selectors import get_customer_object  # noqa: E402
from dossier.customers.services import create_customer  # noqa: E402
from dossier.templates.services import create_template  # noqa: E402

ALIASES = ("default", "replica_0")


@contextmanager
def aliases_used() -> Iterator[list[str]]:
    """The aliases the statements inside ran on, in order."""
    used: list[str] = []

    def recorder(alias: str) -> Callable[..., Any]:
        def record(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
            used.append(alias)
            return execute(sql, *args)

        return record

    with ExitStack() as stack:
        for alias in ALIASES:
            stack.enter_context(connections[alias].execute_wrapper(recorder(alias)))
        yield used


def a_later_context() -> None:
    """As if the writer's window had passed (another task, a later request by someone else)."""
    replicas._wrote_at.set(None)


def main() -> None:
    report: dict[str, Any] = {}
    for alias in ALIASES:
        with connections[alias].cursor() as cursor:
            cursor.execute("select pg_is_in_recovery(), inet_server_port()")
            report[f"{alias}_in_recovery"], report[f"{alias}_port"] = cursor.fetchone()
    ensure_roles()
    admin = create_user(username="replica-admin", password="Replica-pass-1", role="admin")
    template = create_template(
        actor=system_actor("replica probe"),
        key="replica_probe",
        name_zh="副本",
        scenario="retail_member",
        fields=[{"key": "phone", "type": "phone", "required": True}],
    )
    customer = create_customer(
        actor=admin, template=template, values={"display_name": "副本客户", "phone": "13800138000"}
    )

    with aliases_used() as used:
        get_customer_object(actor=admin, customer_id=customer.id)
    report["read_just_after_write"] = sorted(set(used))

    a_later_context()
    with aliases_used() as used, transaction.atomic():
        get_customer_object(actor=admin, customer_id=customer.id)
    report["read_in_atomic"] = sorted(set(used))

    # outside a transaction and past the window: the replica, once it has replayed the row
    a_later_context()
    deadline = time.monotonic() + 10
    seen = False
    while not seen and time.monotonic() < deadline:
        with aliases_used() as used:
            try:
                get_customer_object(actor=admin, customer_id=customer.id)
                seen = True
            except Exception:  # NotFound until the replica has replayed the write
                time.sleep(0.05)
        report["read_outside"] = sorted(set(used))
    report["replica_saw_row"] = seen

    # through the API: a write request, then the same user's next request reads the primary
    # (the per-user key, no cookie); another user's request reads the replica
    setup_test_environment()
    other = create_user(username="replica-other", password="Replica-pass-1", role="admin")
    a_later_context()
    headers = {
        "Authorization": f"Bearer {create_token(user=admin, name='p', scope='read_write')[1]}"
    }
    other_headers = {
        "Authorization": f"Bearer {create_token(user=other, name='p', scope='read_write')[1]}"
    }
    a_later_context()
    client = Client()
    created = client.post(
        "/api/v1/customers",
        data=json.dumps(
            {
                "template": "replica_probe",
                "values": {"display_name": "API 客户", "phone": "13800138001"},
            }
        ),
        content_type="application/json",
        headers=headers,
    )
    report["api_create_status"] = created.status_code
    new_id = created.json().get("id") if created.status_code == 201 else None
    a_later_context()
    with aliases_used() as used:
        again = Client().get("/api/v1/customers", headers=headers)
    listed = (
        [row["id"] for row in again.json().get("items", [])] if again.status_code == 200 else []
    )
    report["api_read_by_writer"] = (again.status_code, sorted(set(used)), new_id in listed)
    a_later_context()
    with aliases_used() as used:
        Client().get("/api/v1/customers", headers=other_headers)
    report["api_read_by_other"] = sorted(set(used))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
