"""Import at scale (issue 14 item 6): rows a second, the ratio to a raw insert, peak memory.

Generates a 12-column CSV (name, mobile, e-mail, 身份证, birthday, gender, city, member
number (unique), points, VIP yes/no, join date, note) of BENCH_IMPORT_ROWS rows (default
200,000; the issue's figure is 1,000,000), a tenth of them with a wrong phone, e-mail or
ID number, and imports it in create mode through the real engine (the import's services,
as `dossier import customers` runs them: validation, encryption, blind indexes, unique
checks, audit, events, the run's batches). In the same run the same rows are written raw,
as the text the file holds, to a 12-column table: COPY on PostgreSQL, one executemany in
one transaction on SQLite — the floor of any load. Prints rows/s of both, their ratio,
the time for 1,000,000 rows at that rate, and peak RSS of this process and of the worker
processes. Goals (issue 14): 1,000,000 rows in ≤ 10 s on PostgreSQL, ≤ 15 s on SQLite,
peak RSS ≤ 400 MB.

Then the floor (BENCH_FLOOR=0 skips it): the import's final rows — already encrypted and
prepared — written once more with nothing but COPY or executemany, batch by batch, into the
real tables with their indexes and constraints (customers, lookups, audit, events; on
SQLite the search tables too), under a twin template so no unique value clashes. No import
can write those rows faster on this database: it is the honest bound for the goals above.
"""

from __future__ import annotations

import csv
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from stdnum.cn import ric  # noqa: E402

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "200000"))
HEADER = ["姓名", "手机号", "邮箱", "身份证号", "生日", "性别", "城市", "会员号", "积分", "VIP",
          "入会日期", "备注"]  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊兰凤"
    "洁梅琳素云莲真环雪荣爱妹霞香月莺媛艳瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎"
    "锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿"
    "聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思"
    "丽"
)
FIELDS = [
    {"key": "phone", "type": "phone", "required": True, "rules": {"mobile_only": True}},
    {"key": "email", "type": "email"},
    {"key": "id_number", "type": "cn_id_card", "classification": "sensitive"},
    {"key": "birthday", "type": "date"},
    {"key": "city", "type": "text"},
    {"key": "member_no", "type": "text", "unique": True},
    {"key": "points", "type": "integer", "rules": {"min_value": 0}},
    {"key": "vip", "type": "boolean", "label_zh": "VIP"},
    {"key": "join_date", "type": "date"},
    {"key": "notes", "type": "text"},
]
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆"]


def _id_number(n: int, born: date) -> str:
    first17 = f"110105{born:%Y%m%d}{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for n in range(rows):
            born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000))
            phone, email, id_number = (
                f"1{rng.choice('3589')}{n:09d}",
                f"m{n}@example.com",
                _id_number(n, born),
            )
            trouble = n % 10 == 9
            if trouble:
                which = (n // 10) % 3
                phone = "12345" if which == 0 else phone
                email = "not-an-email" if which == 1 else email
                id_number = (
                    id_number[:-1] + ("0" if id_number[-1] != "0" else "1")
                    if which == 2
                    else id_number
                )
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            birthday = f"{born.year}年{born.month}月{born.day}日"
            gender = "男" if (n % 1000) % 2 else "女"  # as the ID number's 17th digit says
            joined = (date(2015, 1, 1) + timedelta(days=n % 3000)).isoformat()
            writer.writerow([
                name, phone, email, id_number, birthday, gender, rng.choice(CITIES), f"M{n:09d}",
                rng.randrange(0, 5000), rng.choice(["是", "否"]), joined, "老客户，喜欢周末到店",
            ])  # fmt: skip


def _seed() -> tuple[object, object]:
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
        fields=FIELDS,
    )
    return user, template


def raw_load(path: Path) -> float:
    """Seconds to write the file's rows, as text, to a bare 12-column table."""
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE bench_raw ({columns})")
    started = time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as file, transaction.atomic():
        reader = csv.reader(file)
        next(reader)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy("COPY bench_raw FROM STDIN") as copy:
                    for row in reader:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(HEADER))
                cursor.executemany(f"INSERT INTO bench_raw VALUES ({marks})", reader)
    return time.perf_counter() - started


def floor_load(template: Any, batch: int) -> tuple[float, dict[str, float], int]:
    """The floor: the import's final rows (encrypted, prepared) written again with nothing but
    COPY (PostgreSQL) or executemany (SQLite), batch by batch, each batch one transaction,
    into the real tables with their indexes and constraints: customers, lookups, audit,
    events (and on SQLite the search tables). New ids under a second template with the same
    fields, so no unique value clashes. Returns (seconds, the database server's CPU seconds by
    table and for the commits (PostgreSQL), rows)."""
    from dossier.core.actors import system_actor
    from dossier.customers import search_index
    from dossier.templates.services import create_template

    twin = create_template(
        actor=system_actor("bench"),
        key=f"bench_floor_{uuid.uuid4().hex[:6]}",
        name_zh="会员二",
        name_en="Member twin",
        scenario="retail_member",
        fields=FIELDS,
    )
    version = twin.versions.order_by("-pk").values_list("pk", flat=True).first()
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM customers_customer WHERE template_id = %s ORDER BY id", [template.pk]
        )
        old = [row[0] for row in cursor.fetchall()]
    new = {pk: (uuid.uuid4() if postgres else uuid.uuid4().hex) for pk in old}
    plans = [
        ("customers_customer", "id", None, {"template_id": twin.pk,
                                            "template_version_id": version}),
        ("customers_customerlookup", "customer_id", "id", {"template_id": twin.pk}),
        ("privacy_auditevent", "customer_id", "id", {}),
        ("outbox_event", "customer_id", "id", {}),
    ]  # fmt: skip
    batches: list[list[tuple[str, list[str], list[tuple[Any, ...]]]]] = []
    for start in range(0, len(old), batch):
        ids = old[start : start + batch]
        tables = []
        for table, key, skip, fixed in plans:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {table} WHERE 1 = 0")
                columns = [c[0] for c in cursor.description if c[0] != skip]
                marks = ", ".join(["%s"] * len(ids))
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                cursor.execute(f"SELECT {names} FROM {table} WHERE {key} IN ({marks})", ids)
                rows = []
                for row in cursor.fetchall():
                    values = dict(zip(columns, row, strict=True))
                    pk = values[key]
                    values[key] = new[pk]
                    if "object_id" in values:
                        values["object_id"] = str(new[pk])
                    values.update(fixed)
                    rows.append(tuple(values[c] for c in columns))
            tables.append((table, columns, rows))
        if not postgres:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT coalesce(max(rowid), 0) FROM {search_index.DOC_TABLE}")
                first = cursor.fetchone()[0] + 1 + start
            customers = tables[0][2]
            at = tables[0][1].index("search_text")
            docs = [(first + i, c[0]) for i, c in enumerate(customers)]
            tables += [
                (search_index.DOC_TABLE, ["rowid", "customer_id"], docs),
                (search_index.FTS_TABLE, ["rowid", "search_text"],
                 [(first + i, c[at]) for i, c in enumerate(customers)]),
                (search_index.TOKEN_TABLE, ["token", "customer_id"],
                 [(t, c[0]) for c in customers for t in search_index.short_tokens(c[at])]),
            ]  # fmt: skip
        batches.append(tables)
    # table or "commit" → the database's CPU seconds: PostgreSQL's backend, or this process
    # (SQLite runs in it)
    steps: dict[str, float] = {}
    server = _server_cpu if postgres else time.process_time
    started = time.perf_counter()
    for tables in batches:
        with transaction.atomic(), connection.cursor() as cursor:
            for table, columns, rows in tables:
                before = server()
                names = ", ".join(connection.ops.quote_name(c) for c in columns)
                if postgres:
                    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as c:
                        for row in rows:
                            c.write_row(row)
                else:
                    marks = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
                steps[table] = steps.get(table, 0.0) + server() - before
            before = server()
        # the deferred foreign-key checks run here
        steps["commit"] = steps.get("commit", 0.0) + server() - before
    elapsed = time.perf_counter() - started
    return elapsed, steps, len(old)


def _server_cpu() -> float:
    """CPU seconds so far of this connection's PostgreSQL backend (0 elsewhere)."""
    if connection.vendor != "postgresql":
        return 0.0
    if connection.connection is None or connection.connection.info.backend_pid != _PID[0]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _PID[:] = [cursor.fetchone()[0]]
    try:
        fields = Path(f"/proc/{_PID[0]}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # a server on another machine: not counted
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


_PID = [0]


def _cpu_seconds() -> tuple[float, float, float]:
    """CPU seconds so far of this process, its finished workers and its database server
    process (PostgreSQL's backend, read from /proc: the server runs on this machine)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = 0.0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:  # a server on another machine: not counted
            server = 0.0
    return (
        own.ru_utime + own.ru_stime,
        children.ru_utime + children.ru_stime,
        server,
    )


def main() -> None:
    from dossier.transfer import services
    from dossier.transfer.importing.plan import ImportOptions

    user, template = _seed()
    folder = Path(tempfile.mkdtemp(prefix="dossier-import-"))
    path = folder / "members.csv"
    write_file(path, ROWS)
    raw = raw_load(path)
    run = services.start_import(
        actor=user,  # type: ignore[arg-type]
        template=template,  # type: ignore[arg-type]
        path=path,
        file_name=path.name,
        options=ImportOptions(mode="create", batch_rows=int(os.environ.get("BENCH_BATCH", "2000"))),
    )
    if "BENCH_REBUILD_ROWS" in os.environ:  # a smaller run may try the large-load path too
        from django.conf import settings

        settings.DOSSIER_LOAD_REBUILD_ROWS = int(os.environ["BENCH_REBUILD_ROWS"])
    cpu_before = _cpu_seconds()
    started = time.perf_counter()
    run = services.execute_import(run=run, path=path)
    elapsed = time.perf_counter() - started
    main_cpu, workers_cpu, server_cpu = (
        after - before for after, before in zip(_cpu_seconds(), cpu_before, strict=True)
    )
    assert run.rows == run.created + run.failed == ROWS, run.summary()
    engine = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    goal = 10 if engine == "postgresql" else 15
    rate, raw_rate = ROWS / elapsed, ROWS / raw
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"database: {engine}; {ROWS:,} rows × 12 columns, {run.failed:,} with a bad value")
    print(f"import (create)            : {rate:9,.0f} rows/s ({elapsed:.1f} s)")
    ratio = rate / raw_rate
    print(f"raw insert of the same rows: {raw_rate:9,.0f} rows/s ({raw:.1f} s)  ratio {ratio:.3f}")
    print(f"1,000,000 rows at this rate: {1_000_000 / rate:9.1f} s (goal ≤ {goal} s)")
    print(f"peak RSS                   : {own:9.0f} MB main, {workers:.0f} MB largest worker")
    print("                             (goal ≤ 400 MB)")
    # the machine is shared: CPU time per row does not depend on what else runs
    per_row = [seconds / ROWS * 1e6 for seconds in (main_cpu, workers_cpu, server_cpu)]
    print(
        "CPU per row                : {:.0f} µs main, {:.0f} µs workers, {:.0f} µs database"
        " server".format(*per_row)
    )
    busiest = max(main_cpu, (main_cpu + workers_cpu + server_cpu) / (os.cpu_count() or 1))
    print(
        f"1,000,000 rows, idle cores : {busiest / ROWS * 1e6:9.1f} s at best "
        f"({os.cpu_count()} cores; the main process or all CPU spread over the cores)"
    )
    if os.environ.get("BENCH_FLOOR", "1") == "1":
        batch = int(os.environ.get("BENCH_BATCH", "2000"))
        seconds, steps, rows = floor_load(template, batch)
        print(
            f"floor (the final rows, COPY/executemany only, into the real tables, batches of "
            f"{batch:,}): {seconds / rows * 1e6:.0f} µs/row, {seconds / rows * 1e6:.1f} s per "
            "1,000,000 rows"
        )
        if steps:
            print(
                f"floor, database CPU        : {sum(steps.values()) / rows * 1e6:.0f} µs/row ("
                + ", ".join(f"{k} {v / rows * 1e6:.0f}" for k, v in steps.items())
                + ")"
            )
    print(f"load average               : {Path('/proc/loadavg').read_text().strip()}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
