"""`make bench`: every figure the issues name, with its ratio to the named baseline.

Runs each benchmark in its own process on a fresh SQLite database under a temporary folder
(or on DOSSIER_DATABASE_URL when it is set); load_serve.py, load_mixed.py and the ops_*.py
benchmarks need PostgreSQL (see their docstrings). Prints figures; never passes or fails on them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = [
    "api_get.py",
    "validator.py",
    "batch_create.py",
    "search_scale.py",
    "timeline_page.py",
    "orders_sync.py",
    "export_scale.py",
    "import_scale.py",
    "import_floor.py",
    "load_serve.py",
    "load_mixed.py",
    "dedup_accuracy.py",
    "dedup_speed.py",
    "loyalty_nightly.py",
    "clv_cdnow.py",
    "segments_scale.py",
    "insights_refresh.py",
    "list_scale.py",
    "quality_refresh.py",
    "ops_rotation.py",
    "ops_backup.py",
    "ops_erasure.py",
]


def main() -> int:
    failed = 0
    for name in BENCHMARKS:
        with tempfile.TemporaryDirectory(prefix="dossier-bench-") as data_dir:
            env = {
                **os.environ,
                "DOSSIER_DATA_DIR": data_dir,
                "DJANGO_SETTINGS_MODULE": "dossier.settings",
            }
            print(f"== {name}", flush=True)
            failed += subprocess.call([sys.executable, str(HERE / name)], env=env) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
