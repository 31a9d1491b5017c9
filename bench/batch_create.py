"""Batch create: customers a second through ``create_customers``, and queries per 1,000 rows.

One call with 10,000 rows (validation, encryption, blind indexes, bulk inserts, one audit
event per customer), on a fresh database, on a member template with two unique fields; then
one more call of 1,000 rows with its queries counted. Goal (issue 12): a constant number of
queries a batch, at most 20 per 1,000 rows.
"""

from __future__ import annotations

import os
import tempfile
import time
from datetime import date, timedelta
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from stdnum.cn import ric  # noqa: E402

ROWS = int(os.environ.get("BENCH_BATCH_ROWS", "10000"))
QUERY_GOAL = 20


def _id_number(n: int) -> str:
    first17 = f"110105{date(1950, 1, 1) + timedelta(n // 1000):%Y%m%d}{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def _rows(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "display_name": f"客户{n}",
            "phone": f"139{n:08d}",
            "member_no": f"M{n:07d}",
            "id_number": _id_number(n),
            "points": n % 500,
        }
        for n in range(start, start + count)
    ]


def _seed() -> Any:
    from dossier.accounts.services import create_user
    from dossier.core import roles
    from dossier.core.actors import system_actor
    from dossier.templates.services import create_template

    call_command("migrate", verbosity=0)
    user = create_user(username="bench", password="bench-password-1", role=roles.SALES, team="east")
    template = create_template(
        actor=system_actor("bench"),
        key="bench_member",
        name_zh="会员",
        name_en="Member",
        scenario="retail_member",
        fields=[
            {"key": "phone", "type": "phone", "required": True, "rules": {"mobile_only": True}},
            {"key": "member_no", "type": "text", "unique": True},
            {
                "key": "id_number",
                "type": "cn_id_card",
                "classification": "sensitive",
                "unique": True,
            },
            {"key": "points", "type": "integer", "rules": {"min_value": 0}},
        ],
    )
    return user, template


def main() -> None:
    from dossier.customers.services import create_customers

    user, template = _seed()
    create_customers(actor=user, template=template, rows=_rows(0, 10))  # warm-up: caches, keys
    rows = _rows(10, ROWS)
    started = time.perf_counter()
    result = create_customers(actor=user, template=template, rows=rows)
    elapsed = time.perf_counter() - started
    if result.errors:
        raise SystemExit(f"rejected rows: {result.errors[:3]}")
    with CaptureQueriesContext(connection) as queries:
        create_customers(actor=user, template=template, rows=_rows(10 + ROWS, 1000))
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; {ROWS} rows in one create_customers call")
    print(f"batch create               : {ROWS / elapsed:8.0f} rows/s ({elapsed:.1f} s)")
    verdict = "meets" if len(queries) <= QUERY_GOAL else "above"
    print(f"queries per 1,000 rows     : {len(queries):8d}  (goal ≤ {QUERY_GOAL}: {verdict})")


if __name__ == "__main__":
    main()
