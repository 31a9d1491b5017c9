"""Export at scale (issue 14 item 7): rows a second and peak memory of `dossier export`.

Builds N customers (DOSSIER_BENCH_CUSTOMERS, default 100,000) through the batch service
``create_customers`` (phone encrypted, a sensitive 身份证, blind indexes), then runs the real
command, `dossier export customers --as bench_manager`, in a child process for CSV, JSON and
XLSX, and prints rows/s and the child's peak RSS. The same export of an empty tag gives the
baseline RSS (Django and the app loaded): constant memory means the two stay close whatever N.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
django.setup()

from django.core.management import call_command  # noqa: E402
from stdnum.cn import ric  # noqa: E402

import dossier  # noqa: E402

N = int(os.environ.get("DOSSIER_BENCH_CUSTOMERS", "100000"))
BATCH = 5000


def _id_number(n: int) -> str:
    first17 = f"110105{date(1950, 1, 1) + timedelta(n // 1000):%Y%m%d}{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def _seed() -> None:
    from dossier.accounts.services import create_user
    from dossier.core import roles
    from dossier.customers.models import Customer
    from dossier.customers.services import create_customers, create_tag
    from dossier.templates.selectors import get_template

    call_command("migrate", verbosity=0)
    owner = create_user(
        username="bench_sales", password="bench-password-1", role=roles.SALES, team="east"
    )
    manager = create_user(
        username="bench_manager", password="bench-password-1", role=roles.MANAGER, team="east"
    )
    create_tag(actor=manager, name="bench_empty")
    template = get_template(key="real_estate_buyer")
    started = time.perf_counter()
    for start in range(0, N, BATCH):
        rows = [
            {"display_name": f"客户{n}", "phone": f"139{n:08d}", "id_number": _id_number(n)}
            for n in range(start, min(N, start + BATCH))
        ]
        result = create_customers(actor=owner, template=template, rows=rows)
        if result.errors:
            raise SystemExit(f"rejected rows: {result.errors[:3]}")
    elapsed = time.perf_counter() - started
    print(f"built {Customer.objects.count()} customers in {elapsed:.0f} s (batch service)")


def _export(fmt: str, *extra: str) -> tuple[float, float, int]:
    """Seconds, peak RSS (MB) and size (bytes) of one export in a child process."""
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, f"customers.{fmt}")
        command = [
            sys.executable,
            "-m",
            "dossier.cli",
            "export",
            "customers",
            "--as",
            "bench_manager",
            "--format",
            fmt,
            "--output",
            out,
            *extra,
        ]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        # the child imports the same dossier as this process (a worktree's src/ too)
        src = os.path.dirname(os.path.dirname(dossier.__file__))
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
        subprocess.run(command, check=True, env=env, stderr=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
        # ru_maxrss of children is the largest of any child so far: run the smallest first
        peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
        return elapsed, peak, os.path.getsize(out)


def main() -> None:
    from django.conf import settings

    _seed()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; {N} customers, exported by a manager (masked)")
    start_up, baseline, _size = _export("csv", "--tag", "bench_empty")
    print(f"empty export (baseline)    : {start_up:6.1f} s, peak RSS {baseline:6.0f} MB")
    for fmt in ("csv", "json", "xlsx"):
        seconds, peak, size = _export(fmt)
        # rows/s without the start-up (Django, keys, imports) the empty export took
        rate = N / (seconds - start_up)
        print(
            f"{fmt:<5} export               : {rate:8.0f} rows/s ({seconds:.1f} s, "
            f"{size / 1e6:.0f} MB), peak RSS {peak:6.0f} MB"
        )


if __name__ == "__main__":
    main()
