"""`dossier clv fit TRANSACTIONS.csv …`: fit BG/NBD and Gamma-Gamma to a CSV of transactions."""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dossier.insights import clv

DateParser = Callable[[str], dt.date]


def _date_parser(date_format: str | None) -> DateParser:
    if date_format:
        return lambda text: dt.datetime.strptime(text, date_format).date()

    def iso(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            return dt.datetime.fromisoformat(text).date()  # a date-time keeps its day

    return iso


def iso_date(text: str) -> dt.date:
    """A YYYY-MM-DD date (for --until)."""
    return dt.date.fromisoformat(text)


def _amount(text: str) -> float:
    value = float(text)
    if not math.isfinite(value) or value < 0:
        raise ValueError(text)
    return value


def _column(header: list[str], wanted: str, option: str) -> int:
    """The index of a column named exactly, else ignoring case and surrounding spaces."""
    if wanted in header:
        return header.index(wanted)
    loose = [name.strip().casefold() for name in header]
    if wanted.strip().casefold() in loose:
        return loose.index(wanted.strip().casefold())
    raise CommandError(
        f"The file has no column “{wanted}” ({option}); its columns are: {', '.join(header)}."
    )


def read_transactions(
    path: Path, *, customer: str, date: str, amount: str, date_format: str | None
) -> tuple[list[str], list[dt.date], list[float]]:
    """Customer ids, dates and amounts of every row; a bad row stops with its row and column.

    Rows are counted as a spreadsheet counts them: the header is row 1.
    """
    parse_date = _date_parser(date_format)
    ids: list[str] = []
    dates: list[dt.date] = []
    amounts: list[float] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise CommandError(f"{path} is empty: it needs a header row.")
            at = {
                "customer": _column(header, customer, "--customer-col"),
                "date": _column(header, date, "--date-col"),
                "amount": _column(header, amount, "--amount-col"),
            }
            for row_number, row in enumerate(reader, start=2):
                if not any(cell.strip() for cell in row):
                    continue
                cells = {key: (row[i].strip() if i < len(row) else "") for key, i in at.items()}
                if not cells["customer"]:
                    raise CommandError(f"Row {row_number}, column “{customer}”: no customer id.")
                try:
                    dates.append(parse_date(cells["date"]))
                except ValueError:
                    shape = date_format or "YYYY-MM-DD"
                    raise CommandError(
                        f"Row {row_number}, column “{date}”: “{cells['date']}” is not a date "
                        f"({shape})."
                    ) from None
                try:
                    amounts.append(_amount(cells["amount"]))
                except ValueError:
                    raise CommandError(
                        f"Row {row_number}, column “{amount}”: “{cells['amount']}” is not an "
                        "amount of 0 or more."
                    ) from None
                ids.append(cells["customer"])
    except UnicodeDecodeError:
        raise CommandError(f"{path} is not UTF-8 text: save it as CSV UTF-8.") from None
    except csv.Error as exc:
        raise CommandError(f"{path} is not readable CSV: {exc}.") from None
    except OSError as exc:
        raise CommandError(f"{path} cannot be read: {exc.strerror or exc}.") from None
    return ids, dates, amounts


class Command(BaseCommand):
    help = (
        "Fit the customer lifetime value models (BG/NBD for purchases, Gamma-Gamma for spend) "
        "to a CSV of transactions, one row each, and print their parameters. Reads only the "
        "file, not the database."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        fit = actions.add_parser("fit", help="Fit both models and print their parameters.")
        fit.add_argument("path", type=Path, help="CSV file (UTF-8) with a header row")
        fit.add_argument("--customer-col", required=True, help="the column of customer ids")
        fit.add_argument("--date-col", required=True, help="the column of purchase dates")
        fit.add_argument("--amount-col", required=True, help="the column of amounts spent")
        fit.add_argument(
            "--unit", choices=sorted(clv.DAYS_PER_UNIT), default="weeks", help="time unit"
        )
        fit.add_argument(
            "--until",
            type=iso_date,
            default=None,
            help="end of the period, YYYY-MM-DD (default: the last date in the file); "
            "later rows are left out and counted",
        )
        fit.add_argument(
            "--date-format", default=None, help="strptime format of the dates (default: ISO)"
        )
        fit.add_argument("--json", action="store_true", help="one JSON object on the last line")

    def handle(self, *args: Any, **options: Any) -> None:
        ids, dates, amounts = read_transactions(
            options["path"],
            customer=options["customer_col"],
            date=options["date_col"],
            amount=options["amount_col"],
            date_format=options["date_format"],
        )
        until: dt.date | None = options["until"]
        days = np.asarray(dates, dtype="datetime64[D]")
        kept = np.ones(len(days), dtype=bool) if until is None else days <= np.datetime64(until)
        try:
            summary = clv.summarise(
                np.asarray(ids)[kept],
                days[kept],
                np.asarray(amounts)[kept],
                until=until,
                unit=options["unit"],
            )
            bgnbd = clv.fit_bgnbd(summary.frequency, summary.recency, summary.T)
            spend = clv.fit_gamma_gamma(summary.frequency, summary.monetary_value)
        except ValueError as exc:
            raise CommandError(f"The models cannot be fitted: {exc}.") from None
        result = {
            "bgnbd": {"r": bgnbd.r, "alpha": bgnbd.alpha, "a": bgnbd.a, "b": bgnbd.b},
            "gamma_gamma": {"p": spend.p, "q": spend.q, "v": spend.v},
            "customers": len(summary),
            "repeat_customers": int(np.count_nonzero(summary.frequency > 0)),
            "transactions": int(kept.sum()),
            "transactions_after_until": int(len(kept) - kept.sum()),
            "unit": options["unit"],
            "until": str(until or days.max()),
        }
        if options["json"]:
            self.stdout.write(json.dumps(result))
            return
        self.stdout.write(
            f"{result['transactions']} transactions of {result['customers']} customers "
            f"({result['repeat_customers']} bought again) up to {result['until']}, in "
            f"{options['unit']}."
        )
        if result["transactions_after_until"]:
            self.stdout.write(f"{result['transactions_after_until']} later rows left out.")
        self.stdout.write(
            f"BG/NBD (purchases):    r = {bgnbd.r:.4f}  alpha = {bgnbd.alpha:.4f}  "
            f"a = {bgnbd.a:.4f}  b = {bgnbd.b:.4f}  (log-likelihood {bgnbd.log_likelihood:.2f})"
        )
        self.stdout.write(
            f"Gamma-Gamma (spend):   p = {spend.p:.4f}  q = {spend.q:.4f}  v = {spend.v:.4f}  "
            f"(log-likelihood {spend.log_likelihood:.2f})"
        )
