"""`dossier dedup pairs FILE.csv --id-column COL`: predicted duplicate pairs of any CSV of
person records, without a database; prints ``id_a,id_b,score``."""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from typing import IO

from dossier.matching.engine.matching import DEFAULT_THRESHOLD, find_matches
from dossier.matching.engine.records import Person, prepare

#: CSV column names recognised (lower case, trimmed) for each field of a record
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name", "姓名", "客户名称"),
    "given_name": ("given_name", "first_name"),
    "surname": ("surname", "last_name", "family_name"),
    "phone": ("phone", "phone_number", "mobile", "手机", "电话"),
    "email": ("email", "e-mail", "邮箱"),
    "birthday": ("date_of_birth", "birthday", "dob", "生日", "出生日期"),
    "id_number": ("soc_sec_id", "id_number", "身份证号"),
    "address": ("address", "address_1", "地址"),
    "address_2": ("address_2",),
    "street_number": ("street_number",),
    "city": ("suburb", "city", "城市"),
    "province": ("state", "province", "省份"),
    "postcode": ("postcode", "zip", "邮编"),
    "company": ("company", "公司"),
}


def read_people(stream: IO[str], id_column: str) -> list[Person]:
    """Records of a CSV file; ValueError naming the problem when it cannot be read."""
    reader = csv.DictReader(stream)
    if not reader.fieldnames:
        raise ValueError("the file has no header row")
    header = {name.strip().lower(): name for name in reader.fieldnames if name}
    if id_column.strip().lower() not in header:
        raise ValueError(f"no column {id_column!r} (columns: {', '.join(reader.fieldnames)})")
    found = {
        field: next((header[c] for c in names if c in header), None)
        for field, names in COLUMNS.items()
    }
    people = []
    for row in reader:
        values = {f: (row.get(c) or "").strip() for f, c in found.items() if c}
        parts = [
            values.pop("street_number", ""),
            values.get("address", ""),
            values.pop("address_2", ""),
        ]
        values["address"] = " ".join(p for p in parts if p)
        people.append(
            Person(id=(row.get(header[id_column.strip().lower()]) or "").strip(), **values)
        )
    return people


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None) -> int:
    """Run the command; 0 when pairs were printed, 2 when the file cannot be read."""
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="dossier dedup pairs", description=__doc__)
    parser.add_argument("file")
    parser.add_argument("--id-column", required=True)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    args = parser.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8-sig", newline="") as stream:
            people = read_people(stream, args.id_column)
    except (OSError, UnicodeDecodeError, ValueError, csv.Error) as error:
        print(f"dossier dedup pairs: {args.file}: {error}", file=sys.stderr)
        return 2
    matches = find_matches([prepare(p) for p in people], threshold=args.threshold)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id_a", "id_b", "score"])
    for match in sorted(matches, key=lambda m: (m.a, m.b)):
        if match.score >= args.threshold and match.decision == "duplicate":
            writer.writerow([match.a, match.b, f"{match.score:.4f}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
