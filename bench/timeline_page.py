"""The 360 page of a customer with 10,000 timeline events: server time of its first page.

Issue 13 asks for the customer page (``customers:detail``, the 360 view) of a customer with
10,000 timeline events to render its first page in ≤ 100 ms server time (p95), on SQLite
and on PostgreSQL (this script runs on DOSSIER_DATABASE_URL when it is set).

Five timeline kinds and three quick actions are registered here, as the apps that own
orders, calls, tickets … register theirs; each kind's loader reads its rows in one query
(restricted to what the viewer may see). The page is requested through Django's test client
as the customer's owner (session, middleware, access control, masking, the templates), RUNS
times after a warm-up; printed: p50/p95 wall time per request, the ratio of p95 to the goal,
the CPU time of this process, the page's query count, and the same for the page filtered
by one kind and for the "more" button's request.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "50"))
EVENTS = int(os.environ.get("BENCH_EVENTS", "10000"))
GOAL_MS = 100.0
KINDS = {
    "order": ("订单", "{% if row %}订单 {{ row.status }} ¥{{ row.total }}{% else %}{{ entry.summary.status }}{% endif %}"),  # noqa: E501
    "interaction": ("沟通", "{% if row %}{{ row.channel }} · {{ row.status }}{% else %}{{ entry.summary.channel }}{% endif %}"),  # noqa: E501
    "ticket": ("工单", "{% if row %}工单 {{ row.status }}（{{ row.priority }}）{% else %}{{ entry.summary.status }}{% endif %}"),  # noqa: E501
    "feedback": ("反馈", "{% if row %}{{ row.kind }} CSAT {{ row.csat }}{% else %}{{ entry.summary.kind }}{% endif %}"),  # noqa: E501
    "task": ("跟进", "{% if row %}回访 {{ row.status }}{% else %}{{ entry.summary.status }}{% endif %}"),  # noqa: E501
}  # fmt: skip
ACTIONS = ("log_call", "open_ticket", "create_task")


def _templates() -> None:
    """The kinds' and actions' templates, in a folder the template engine also searches."""
    folder = Path(os.environ["DOSSIER_DATA_DIR"]) / "bench-templates" / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    for key, (_label, text) in KINDS.items():
        (folder / f"{key}.html").write_text(text, encoding="utf-8")
    for key in ACTIONS:
        (folder / f"{key}.html").write_text(
            '<form method="post" action="#" hx-post="#">{% csrf_token %}'
            f'<input name="subject" aria-label="{key}"><button>保存</button></form>',
            encoding="utf-8",
        )
    # before the first template is rendered, so the engine is built with the folder
    engine: dict[str, Any] = settings.TEMPLATES[0]
    engine["DIRS"] = [*engine["DIRS"], str(folder.parent)]


def _loader(key: str) -> Callable[[Any, Sequence[str]], dict[str, Any]]:
    """One query for the page's entries of a kind, only rows of customers the viewer sees."""
    from dossier.activity.models import TimelineEntry
    from dossier.customers.access import restrict_owned

    def load(actor: Any, ids: Sequence[str]) -> dict[str, Any]:
        rows = restrict_owned(TimelineEntry.objects.filter(kind=key, object_id__in=ids), actor)
        return {row.object_id: row.summary for row in rows.only("object_id", "summary")}

    return load


def _register() -> None:
    from dossier.activity.kinds import QuickAction, TimelineKind, register_kind
    from dossier.activity.kinds import register_quick_action as register_action
    from dossier.customers.access import allows

    for key, (label, _text) in KINDS.items():
        register_kind(
            TimelineKind(key=key, label=label, template=f"bench/{key}.html", load=_loader(key))
        )
    for key in ACTIONS:
        register_action(
            QuickAction(
                key=key,
                label=key,
                template=f"bench/{key}.html",
                allowed=lambda actor, customer: allows(actor, customer, "change"),
            )
        )


def _summary(key: str, rng: random.Random) -> dict[str, Any]:
    if key == "order":
        return {"status": rng.choice(["paid", "shipped", "completed"]), "total": "199.00"}
    if key == "interaction":
        return {"channel": rng.choice(["phone", "wechat", "visit"]), "status": "done"}
    if key == "ticket":
        return {"status": rng.choice(["new", "closed"]), "priority": "normal"}
    if key == "feedback":
        return {"kind": rng.choice(["praise", "complaint"]), "csat": rng.randint(1, 5)}
    return {"status": rng.choice(["open", "done"])}


def _seed() -> tuple[Any, Any]:
    from dossier.accounts.services import create_user
    from dossier.activity.models import CustomerFigures
    from dossier.activity.services import record_entries
    from dossier.core import roles
    from dossier.customers.services import create_customer
    from dossier.templates.selectors import get_template

    call_command("migrate", verbosity=0)
    stamp = datetime.now(UTC).strftime("%H%M%S%f")
    owner = create_user(
        username=f"bench-360-{stamp}", password="bench-password-1", role=roles.SALES
    )
    customer = create_customer(
        actor=owner,
        template=get_template(key="retail_member"),
        values={"display_name": "欧阳娜娜", "phone": "13800138000", "email": "nana@example.com"},
    )
    rng = random.Random(13)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    kinds = list(KINDS)
    entries = []
    for n in range(EVENTS):
        key = rng.choice(kinds)
        entries.append(
            {
                "customer_id": customer.pk,
                "kind": key,
                "object_id": f"{key}-{stamp}-{n}",
                "occurred_at": start + timedelta(minutes=150 * n + rng.randint(0, 120)),
                "summary": _summary(key, rng),
            }
        )
    record_entries(entries)
    with connection.cursor() as cursor:
        # the planner's statistics, as autovacuum keeps them in production (after a bulk
        # insert PostgreSQL would otherwise sort the customer's 10,000 rows for 20)
        cursor.execute("ANALYZE activity_timelineentry")
    CustomerFigures.objects.create(
        customer=customer,
        first_purchase_at=start,
        last_purchase_at=start + timedelta(days=900),
        order_count=2000,
        total_spend=Decimal("398000.00"),
        complaint_count=12,
        csat_total=8000,
        csat_count=2000,
        last_nps=9,
        open_tickets=2,
        last_interaction_at=start + timedelta(days=1000),
    )
    return owner, customer


def _times(client: Client, url: str) -> tuple[list[float], list[float]]:
    """Wall time and this process's CPU time of each request, in ms."""
    for _warm in range(3):
        client.get(url)
    wall, cpu = [], []
    for _run in range(RUNS):
        started, used = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return wall, cpu


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _queries(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    return len(captured.captured_queries), len(response.content)


def _report(name: str, client: Client, url: str) -> None:
    wall, cpu = _times(client, url)
    p50, p95 = statistics.median(wall), _p95(wall)
    queries, size = _queries(client, url)
    verdict = "meets" if p95 <= GOAL_MS else "misses"
    print(
        f"{name:<24}: p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p95/goal {p95 / GOAL_MS:4.2f} "
        f"({verdict} ≤ {GOAL_MS:.0f} ms)  CPU p50 {statistics.median(cpu):5.1f} ms "
        f"p95 {_p95(cpu):5.1f} ms  {queries} queries  {size / 1024:.0f} KB"
    )


def main() -> None:
    _templates()
    _register()
    owner, customer = _seed()
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    page = reverse("customers:detail", args=[customer.pk])
    first = client.get(page)
    html = first.content.decode()
    assert html.count('class="timeline-entry"') == 20, "the first page shows 20 entries"
    more = re.search(r'hx-get="([^"]*cursor=[^"]*)"', html)
    assert more is not None, 'the first page has a "more" button'
    cursor_url = more.group(1).replace("&amp;", "&")
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"database: {engine}; a customer with {EVENTS:,} timeline events of {len(KINDS)} kinds, "
        f"{len(ACTIONS)} quick actions; {RUNS} requests each through Django's test client as "
        "the owner"
    )
    print(
        "wall time per request is the figure; CPU time (this process) shows what the request "
        "costs when other work shares the cores (SQLite runs inside it, PostgreSQL does not); "
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    _report("360 page, first page", client, page)
    _report("360 page, one kind", client, f"{page}?kind=ticket")
    _report('timeline "more" (htmx)', client, cursor_url)


if __name__ == "__main__":
    main()
