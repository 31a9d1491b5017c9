"""`dossier dedup pairs FILE.csv --id-column COL`: predicted duplicate pairs of a CSV file.

Reads any CSV of person records (columns recognised by name), touches no database, and
prints ``id_a,id_b,score`` for every pair at or above the threshold. Also runnable as
``python -m dossier.matching.engine.pairs FILE --id-column rec_id``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from dossier.matching.engine.records import Person, prepare
from dossier.matching.engine.scan import DEFAULT_THRESHOLD, find_matches

#: Person field ← the column names that feed it (lower case), joined with spaces when several
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name", "姓名"),
    "given_name": ("given_name", "first_name", "given"),
    "surname": ("surname", "last_name", "family_name"),
    "phone": ("phone", "phone_number", "mobile", "电话", "手机"),
    "email": ("email", "e-mail", "邮箱"),
    "birthday": ("date_of_birth", "birthday", "dob", "birth_date", "生日"),
    "id_number": ("soc_sec_id", "id_number", "身份证", "证件号码"),
    "address": ("street_number", "address_1", "address_2", "address", "地址"),
    "city": ("suburb", "city", "城市"),
    "province": ("state", "province", "省份"),
    "district": ("district", "区县"),
    "postcode": ("postcode", "zip", "postal_code", "邮编"),
    "company": ("company", "公司"),
}


class BadFile(Exception):
    """The file cannot be read as a CSV of person records."""


def read_people(path: Path, id_column: str) -> list[Person]:
    """Every row of a CSV file as a Person, columns recognised by their names."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise BadFile("the file is empty")
            names = [h.strip().lower() for h in header]
            if id_column.strip().lower() not in names:
                raise BadFile(f"no column {id_column!r} (columns: {', '.join(header)})")
            id_at = names.index(id_column.strip().lower())
            sources = {
                field: [names.index(c) for c in wanted if c in names and c != names[id_at]]
                for field, wanted in COLUMNS.items()
            }
            people = []
            for number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) <= id_at or not row[id_at].strip():
                    raise BadFile(f"row {number}: column {id_column!r} is empty")
                values = {
                    field: " ".join(row[i].strip() for i in at if i < len(row) and row[i].strip())
                    for field, at in sources.items()
                    if at
                }
                people.append(Person(id=row[id_at].strip(), **values))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise BadFile(str(error)) from error
    return people


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    """Print predicted duplicate pairs of a CSV file as id_a,id_b,score."""
    parser = argparse.ArgumentParser(
        prog="dossier dedup pairs", description="Predicted duplicate pairs of a CSV file."
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--id-column", required=True, help="the column holding record ids")
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"match probability from which a pair is printed ({DEFAULT_THRESHOLD})",
    )
    parser.add_argument("--processes", type=int, default=1)
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        people = read_people(args.file, args.id_column)
    except BadFile as error:
        print(f"dossier dedup pairs: {args.file}: {error}", file=sys.stderr)
        return 2
    prepared = [prepare(person) for person in people]
    matches = find_matches(prepared, threshold=args.threshold, processes=args.processes)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id_a", "id_b", "score"])
    for match in matches:
        if match.score >= args.threshold:
            writer.writerow([match.a, match.b, f"{match.score:.4f}"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
