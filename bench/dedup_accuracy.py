"""Duplicate detection accuracy: Dossier, recordlinkage ECM and Splink on the same records.

Two data sets: FEBRL3 (5,000 records with true links, shipped by recordlinkage) and the
seeded Chinese set of bench/dedup_chinese.py. Dossier runs through its pairs command
(`dossier.matching.engine.pairs.main`, default threshold, no tuning on the labels); the peers
get ordinary set-ups written here: recordlinkage blocks on several fields, compares with
Jaro–Winkler at 0.85 and exact matches, and classifies with ECM; Splink (DuckDB) uses its
standard comparisons with u from random sampling and m by EM, as in its FEBRL tutorial.
On the Chinese set both peers get Chinese-aware preprocessing: names as sorted pinyin
syllables (so 张伟, 張偉, "Wei Zhang" agree), phone digits without +86, ISO birthdays.
Prints pairwise precision, recall, F1 and seconds, and Dossier's F1 over the goal.
"""

from __future__ import annotations

import csv
import io
import logging
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
warnings.filterwarnings("ignore")
logging.getLogger("splink").setLevel(logging.ERROR)

from dedup_chinese import generate, write_csv  # noqa: E402

from dossier.matching.engine.pairs import main as pairs_main  # noqa: E402
from dossier.matching.engine.records import (  # noqa: E402
    Person,
    normalise_birthday,
    normalise_phone,
    prepare,
)

Pairs = set[tuple[str, str]]
GOALS = {"FEBRL3": 0.999, "Chinese": 0.99}


def _scores(found: Pairs, truth: Pairs) -> tuple[float, float, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def _ordered(a: object, b: object) -> tuple[str, str]:
    x, y = str(a), str(b)
    return (x, y) if x < y else (y, x)


def run_dossier(csv_path: Path, id_column: str) -> Pairs:
    """Dossier through its pairs command at the default threshold."""
    out = io.StringIO()
    if pairs_main([str(csv_path), "--id-column", id_column], out=out) != 0:
        raise SystemExit("dossier dedup pairs failed")
    return {_ordered(r["id_a"], r["id_b"]) for r in csv.DictReader(io.StringIO(out.getvalue()))}


def run_recordlinkage(
    df: pd.DataFrame, blocks: list[str], fuzzy: list[str], exact: list[str]
) -> Pairs:
    """recordlinkage: union of blocks, binary comparisons, ECM classifier."""
    import recordlinkage as rl

    candidates = None
    for column in blocks:  # a block per field, on the records that have it
        indexer = rl.Index()
        indexer.block(column)
        found = indexer.index(df[df[column] != ""])
        candidates = found if candidates is None else candidates.union(found)
    compare = rl.Compare()
    for column in fuzzy:
        compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
    for column in exact:
        compare.exact(column, column, label=column)
    features = compare.compute(candidates, df)
    links = rl.ECMClassifier(binarize=None).fit_predict(features)
    return {_ordered(a, b) for a, b in links}


def run_splink(
    df: pd.DataFrame,
    comparisons: list[object],
    blocking: list[list[str]],
    training: list[list[str]],
    deterministic: list[list[str]],
) -> Pairs:
    """Splink on DuckDB: random-sampled u, EM-trained m, predictions at probability 0.5."""
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    data = df.reset_index().rename(columns={df.index.name or "index": "unique_id"})
    data = data.replace({"": None})
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[block_on(*b) for b in blocking],
        retain_intermediate_calculation_columns=False,
    )
    api = DuckDBAPI()
    linker = Linker(api.register(data), settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*b) for b in deterministic], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in training:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*rule))
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    return {
        _ordered(a, b)
        for a, b in zip(predictions["unique_id_l"], predictions["unique_id_r"], strict=True)
    }


def febrl3() -> tuple[pd.DataFrame, Pairs, Path, str]:
    from recordlinkage.datasets import load_febrl3

    df, links = load_febrl3(return_links=True)
    df = df.fillna("")
    path = Path(tempfile.mkdtemp(prefix="dedup-")) / "febrl3.csv"
    df.to_csv(path)
    return df, {_ordered(a, b) for a, b in links}, path, "rec_id"


def _pinyin_key(name: str) -> str:
    prepared = prepare(Person(id="", name=name))
    return " ".join(sorted(p for p in (prepared.surname, prepared.given) if p))


def chinese() -> tuple[pd.DataFrame, Pairs, Path, str]:
    records, truth = generate()
    path = Path(tempfile.mkdtemp(prefix="dedup-")) / "chinese.csv"
    write_csv(str(path), records)
    df = pd.DataFrame(records).set_index("id")
    # the peers' Chinese-aware preprocessing
    df["name_pinyin"] = df["name"].map(_pinyin_key)
    df["phone"] = df["phone"].map(normalise_phone)
    df["birthday"] = df["birthday"].map(normalise_birthday)
    df["email"] = df["email"].str.lower()
    df["city"] = df["city"].str.rstrip("市")
    return df, truth, path, "id"


def _peers(name: str, df: pd.DataFrame) -> dict[str, Callable[[], Pairs]]:
    import splink.comparison_library as cl

    if name == "FEBRL3":
        return {
            "recordlinkage ECM": lambda: run_recordlinkage(
                df,
                ["given_name", "surname", "postcode", "date_of_birth", "soc_sec_id"],
                ["given_name", "surname", "address_1", "suburb"],
                ["date_of_birth", "postcode", "state", "soc_sec_id", "street_number"],
            ),
            "Splink": lambda: run_splink(
                df,
                [
                    cl.NameComparison("given_name"),
                    cl.NameComparison("surname"),
                    cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
                    cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
                    cl.LevenshteinAtThresholds("address_1", [2]),
                    cl.ExactMatch("suburb"),
                    cl.ExactMatch("postcode"),
                    cl.ExactMatch("state"),
                ],
                [["given_name"], ["surname"], ["postcode"], ["date_of_birth"], ["soc_sec_id"]],
                [["date_of_birth"], ["surname"]],
                [["given_name", "surname", "date_of_birth"], ["soc_sec_id"]],
            ),
        }
    return {
        "recordlinkage ECM": lambda: run_recordlinkage(
            df,
            ["name_pinyin", "phone", "email", "birthday", "id_number"],
            ["name_pinyin", "address"],
            ["phone", "email", "birthday", "id_number", "city"],
        ),
        "Splink": lambda: run_splink(
            df,
            [
                cl.JaroWinklerAtThresholds("name_pinyin", [0.95, 0.88]),
                cl.ExactMatch("phone"),
                cl.ExactMatch("email"),
                cl.LevenshteinAtThresholds("birthday", [1]),
                cl.ExactMatch("id_number"),
                cl.LevenshteinAtThresholds("address", [3]),
                cl.ExactMatch("city"),
            ],
            [["name_pinyin"], ["phone"], ["email"], ["birthday"], ["id_number"]],
            [["name_pinyin"], ["phone"], ["birthday"]],
            [["phone"], ["email"], ["id_number"]],
        ),
    }


def main() -> int:
    for name, load in (("FEBRL3", febrl3), ("Chinese", chinese)):
        df, truth, path, id_column = load()
        print(f"-- {name}: {len(df)} records, {len(truth)} true pairs", flush=True)
        runs: dict[str, Callable[[], Pairs]] = {
            "Dossier": lambda p=path, c=id_column: run_dossier(p, c)  # type: ignore[misc]
        }
        runs.update(_peers(name, df))
        for system, run in runs.items():
            started = time.perf_counter()
            try:
                found = run()
            except Exception as error:  # a peer's failure is a figure, not a crash
                print(f"{system:18s} failed: {type(error).__name__}: {error}"[:300], flush=True)
                continue
            seconds = time.perf_counter() - started
            precision, recall, f1 = _scores(found, truth)
            line = (
                f"{system:18s} precision {precision:.4f}  recall {recall:.4f}  "
                f"F1 {f1:.4f}  {seconds:6.1f} s"
            )
            if system == "Dossier":
                line += f"   F1 / goal {GOALS[name]}: {f1 / GOALS[name]:.4f}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
