"""`dossier dedup pairs`: reads a CSV of people, prints predicted duplicate pairs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from dossier.matching.engine.pairs import main, read_people

CSV = (
    "Rec_ID, Given_Name ,surname,phone_number,date_of_birth,address_1,address_2,suburb,state,"
    "soc_sec_id\n"
    "r1,wei,zhang,13800138000,19900307,12 main street,,springfield,nsw,1234567\n"
    "r2,wei,zhang,+86 138 0013 8000,1990-03-07,12 main st,,springfield,nsw,\n"
    "r3,anna,smith,13912345678,19750101,3 high road,flat 2,shelbyville,vic,7654321\n"
)


def test_pairs_prints_header_and_predicted_pair(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    out = io.StringIO()
    assert main([str(path), "--id-column", "rec_id"], out=out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "id_a,id_b,score"
    assert lines[1].startswith("r1,r2,")
    assert len(lines[1].split(",")[2].split(".")[1]) == 4
    assert len(lines) == 2


def test_columns_are_recognised_by_name(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(CSV, encoding="utf-8")
    people = read_people(path, "REC_ID")
    assert people[2].given_name == "anna"
    assert people[2].surname == "smith"
    assert people[2].address == "3 high road flat 2"
    assert people[2].city == "shelbyville"
    assert people[2].province == "vic"
    assert people[2].id_number == "7654321"
    assert people[0].birthday == "19900307"
    assert people[0].phone == "13800138000"


def test_a_high_threshold_prints_only_the_header(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(CSV.replace("13800138000", "13800138001"), encoding="utf-8")
    out = io.StringIO()
    assert main([str(path), "--id-column", "rec_id", "--threshold", "0.99999999"], out=out) == 0
    assert out.getvalue().splitlines() == ["id_a,id_b,score"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [(None, "No such file"), ("", "empty"), ("name,phone\nx,1\n", "no column 'rec_id'")],
)
def test_bad_file_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main([str(path), "--id-column", "rec_id"], out=io.StringIO()) == 2
    err = capsys.readouterr().err
    assert expected in err
    assert err.count("\n") == 1


def test_undecodable_file_is_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"rec_id,name\n\xff\xfe\x00bad\n")
    assert main([str(path), "--id-column", "rec_id"], out=io.StringIO()) == 2
    assert "dossier dedup pairs" in capsys.readouterr().err
