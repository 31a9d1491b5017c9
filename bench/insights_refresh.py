"""The nightly refresh (RFM + churn + CLV + grades) on 1,000,000 customers × 5,000,000 orders.

The issue's goal: ≤ 60 s on PostgreSQL. Uses the database bench/segments_scale.py builds (and
builds it the same way when it is missing or of another size). Prints the time of each step
(read the kept figures, the models, write the scores) and the peak RSS of the process.
Prints figures; never passes or fails.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import segments_scale
from load_serve import ensure_database

GOAL_SECONDS = 60.0


def main() -> int:
    url = segments_scale._url()
    if not ensure_database(url):
        return 0
    os.environ["DOSSIER_DATABASE_URL"] = url
    import django

    django.setup()
    import psycopg
    from django.core.management import call_command

    from dossier.customers.models import Customer
    from dossier.insights import scoring

    call_command("migrate", verbosity=0)
    if Customer.objects.count() != segments_scale.CUSTOMERS:
        with psycopg.connect(url, autocommit=True) as conn:
            segments_scale.build(conn)
    started = time.perf_counter()
    buyers = scoring.read_buyers()
    read = time.perf_counter()
    rows, model = scoring.score_rows(buyers, segments_scale.NOW)
    scored = time.perf_counter()
    refresh = scoring.refresh_scores(now=segments_scale.NOW)  # the whole job, as the clock runs it
    total = refresh.seconds
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"PostgreSQL, {Customer.objects.count():,} customers, {len(rows):,} buyers: "
        f"read figures {read - started:.1f} s, models {scored - read:.1f} s "
        f"(purchase model fitted: {model.get('fitted')}); whole refresh with the write "
        f"{total:.1f} s (goal ≤ {GOAL_SECONDS:.0f} s: ×{total / GOAL_SECONDS:.2f}); "
        f"peak RSS {rss:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
