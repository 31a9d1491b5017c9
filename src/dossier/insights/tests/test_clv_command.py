"""`dossier clv fit`: fits the CLV models to a CSV of transactions and reports bad rows."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dossier.insights.tests import cdnow

SRC = Path(__file__).resolve().parents[3]
COLUMNS = ["--customer-col", "customer", "--date-col", "date", "--amount-col", "amount"]
SMALL = (
    "customer,date,amount\n"
    "a,2024-01-01,10\n"
    "a,2024-02-01,20\n"
    "a,2024-03-05,30\n"
    "b,2024-01-10,5\n"
    "b,2024-03-01,15.5\n"
    "c,2024-02-20,8\n"
    "d,2024-01-03,12\n"
    "d,2024-01-20,9\n"
    "d,2024-02-11,11\n"
    "d,2024-03-20,14\n"
    "e,2024-03-01,40\n"
)


def fit(*args: str) -> str:
    out = io.StringIO()
    call_command("clv", "fit", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def cdnow_csv(tmp_path: Path) -> Path:
    ids, days, amounts = cdnow.transactions()
    path = tmp_path / "cdnow.csv"
    lines = ["\ufeffCustomer,Date,Amount"]  # a BOM and other capitals, as Excel writes them
    lines += [f"{i},{d},{a}" for i, d, a in zip(ids, days.astype(str), amounts, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_fit_prints_the_cdnow_parameters_as_json(cdnow_csv: Path) -> None:
    out = fit(str(cdnow_csv), *COLUMNS, "--until", "1997-09-30", "--json")
    result = json.loads(out.strip().splitlines()[-1])
    for name, published in cdnow.PUBLISHED_BGNBD.items():
        assert result["bgnbd"][name] == pytest.approx(published, rel=0.01), name
    for name, published in cdnow.PUBLISHED_GAMMA_GAMMA.items():
        assert result["gamma_gamma"][name] == pytest.approx(published, rel=0.01), name
    assert result["customers"] == 2357
    assert result["repeat_customers"] == 946
    assert result["transactions"] + result["transactions_after_until"] == 6919
    assert result["transactions_after_until"] > 0
    assert (result["unit"], result["until"]) == ("weeks", "1997-09-30")


def test_fit_in_days_scales_alpha_only(cdnow_csv: Path) -> None:
    weeks = json.loads(fit(str(cdnow_csv), *COLUMNS, "--until", "1997-09-30", "--json"))
    days = json.loads(
        fit(str(cdnow_csv), *COLUMNS, "--until", "1997-09-30", "--json", "--unit", "days")
    )
    assert days["bgnbd"]["alpha"] == pytest.approx(7 * weeks["bgnbd"]["alpha"], rel=1e-3)
    assert days["bgnbd"]["r"] == pytest.approx(weeks["bgnbd"]["r"], rel=1e-3)
    assert days["gamma_gamma"] == pytest.approx(weeks["gamma_gamma"], rel=1e-6)


def test_fit_reads_a_date_format_and_prints_readable_lines(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    rows = [line.split(",") for line in SMALL.splitlines()[1:]]
    text = "who;when;paid\n" + "".join(f"{c};{d[8:]}/{d[5:7]}/{d[:4]};{a}\n" for c, d, a in rows)
    path.write_text(text.replace(";", ","), encoding="utf-8")
    out = fit(
        str(path),
        "--customer-col",
        "who",
        "--date-col",
        "when",
        "--amount-col",
        "paid",
        "--date-format",
        "%d/%m/%Y",
        "--unit",
        "days",
    )
    assert "11 transactions of 5 customers (3 bought again) up to 2024-03-20, in days." in out
    assert "BG/NBD (purchases):" in out and "Gamma-Gamma (spend):" in out
    assert "later rows left out" not in out


@pytest.mark.parametrize(
    ("text", "extra", "message"),
    [
        (SMALL.replace("a,2024-02-01", "a,2024-02-30"), [], "Row 3, column “date”: “2024-02-30”"),
        (SMALL.replace("b,2024-03-01,15.5", "b,2024-03-01,abc"), [], "Row 6, column “amount”"),
        (SMALL.replace("b,2024-03-01,15.5", "b,2024-03-01,-4"), [], "Row 6, column “amount”"),
        (SMALL.replace("b,2024-03-01,15.5", "b,2024-03-01,nan"), [], "Row 6, column “amount”"),
        (SMALL.replace("e,2024-03-01,40", ",2024-03-01,40"), [], "Row 12, column “customer”"),
        (SMALL.replace("e,2024-03-01,40", "e"), [], "Row 12, column “date”: “”"),
        (SMALL.replace("amount", "total", 1), [], "no column “amount” (--amount-col)"),
        ("", [], "is empty"),
        ("customer,date,amount\na,2024-01-01,3\nb,2024-01-02,4\n", [], "no customer has a repeat"),
        (SMALL, ["--until", "2023-12-31"], "no transactions to summarise"),
        (SMALL, ["--date-format", "%d.%m.%Y"], "Row 2, column “date”: “2024-01-01” is not a date"),
    ],
)
def test_fit_stops_on_bad_input_naming_the_problem(
    tmp_path: Path, text: str, extra: list[str], message: str
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CommandError, match=re.escape(message)):
        fit(str(path), *COLUMNS, *extra)


def test_fit_reports_files_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot be read"):
        fit(str(tmp_path / "missing.csv"), *COLUMNS)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("customer,date,amount\nJosé,2024-01-01,3\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        fit(str(latin), *COLUMNS)


def run_dossier(*args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "dossier.settings",
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", "from dossier.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_console_script_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(SMALL.replace("a,2024-02-01,20", "a,2024-02-01,twenty"), encoding="utf-8")
    done = run_dossier("clv", "fit", str(path), *COLUMNS, "--json")
    assert done.returncode != 0
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "CommandError: Row 3, column “amount”: “twenty” is not an amount of 0 or more."
    ]
    path.write_text(SMALL, encoding="utf-8")
    done = run_dossier("clv", "fit", str(path), *COLUMNS, "--json", "--unit", "days")
    assert done.returncode == 0, done.stderr
    last = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(last["bgnbd"]) == {"r", "alpha", "a", "b"}
    assert set(last["gamma_gamma"]) == {"p", "q", "v"}
    assert all(np.isfinite(v) and v > 0 for v in last["bgnbd"].values())
    listed = run_dossier("--help").stdout
    assert "clv" in listed.split("Data:")[1].split("Other:")[0]
