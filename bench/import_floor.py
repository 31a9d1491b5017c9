"""The CPU floor of an import row (issue 14): what no import of this file can do without.

For each row of the same 12-column file as ``import_scale.py`` it does only what the privacy
promises require and nothing else — read the CSV row, draw the customer's id, encrypt the
phone, the e-mail and the protected values (AES-GCM, through Dossier's own ``encrypt``),
compute the five blind indexes the import writes (phone, its last four digits, e-mail, ID
number, member number) and build the COPY text of the customer and its lookups — with no
validation, no name keys, no database. Then the same again with the three library checks the
issue names (phonenumbers, email-validator, python-stdnum's ID number check) added.

Prints CPU µs per row of each and what 1,000,000 rows need at best spread over every core:
the bound below which issue 14's goal (1M rows in ≤ 10 s on PostgreSQL, ≤ 15 s on SQLite,
on this machine) cannot come, whatever the database does.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
os.environ.setdefault("DOSSIER_DATA_DIR", tempfile.mkdtemp(prefix="dossier-bench-"))
os.environ.setdefault("DOSSIER_LOG_LEVEL", "ERROR")
django.setup()

sys.path.insert(0, str(Path(__file__).parent))
from import_scale import write_file  # noqa: E402  (the same generated file)

ROWS = int(os.environ.get("BENCH_FLOOR_ROWS", "100000"))


def _floor(path: Path, *, checks: bool) -> float:
    """CPU seconds for the file's rows."""
    import email_validator
    import phonenumbers
    from stdnum.cn import ric

    from dossier.core.bulk_insert import copy_line
    from dossier.customers.ids import uuid7
    from dossier.protection.crypto import blind_index, encrypt
    from dossier.protection.keys import keyring

    ring = keyring()
    started = time.process_time()
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file)
        next(reader)
        for row in reader:
            name, phone, email, id_number = row[0], row[1], row[2], row[3]
            if checks:
                phonenumbers.is_valid_number(phonenumbers.parse(phone, "CN"))
                with contextlib.suppress(email_validator.EmailNotValidError):
                    email_validator.validate_email(email, check_deliverability=False)
                ric.is_valid(id_number)
            pk = uuid7()
            protected = json.dumps({"id_number": id_number}, ensure_ascii=False)
            sealed = [
                encrypt(phone, ring, context="customer.phone"),
                encrypt(email, ring, context="customer.email"),
                encrypt(protected, ring, context="customer.protected"),
            ]
            digests = [
                blind_index(phone, ring, field="phone"),
                blind_index(phone[-4:], ring, field="phone_last4"),
                blind_index(email, ring, field="email"),
                blind_index(id_number, ring, field="cn_id_card"),
                blind_index(row[7], ring, field="text"),
            ]
            copy_line([name, *sealed, *row[4:], pk])
            for digest in digests:
                copy_line((pk, "field", digest, False))
    return time.process_time() - started


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="dossier-floor-"))
    path = folder / "members.csv"
    write_file(path, ROWS)
    cores = os.cpu_count() or 1
    print(f"{ROWS:,} rows × 12 columns; {cores} cores")
    for label, checks in (("read, id, encrypt, digests, COPY text", False),
                          ("… and the three library checks", True)):  # fmt: skip
        seconds = _floor(path, checks=checks)
        per_row = seconds / ROWS * 1e6
        best = per_row * 1_000_000 / 1e6 / cores
        print(
            f"{label:40}: {per_row:6.1f} µs/row → 1,000,000 rows ≥ {best:5.1f} s on {cores} cores"
        )
    print("goal (issue 14): 1,000,000 rows in ≤ 10 s (PostgreSQL), ≤ 15 s (SQLite), all included")
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
