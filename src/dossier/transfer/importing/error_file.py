"""The error file: one line per problem of a failed row, as CSV (UTF-8 with BOM, for Excel)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator
from typing import Any

from dossier.transfer.exporting import neutralise

HEADERS = {
    "en": ["row", "column", "field", "value", "code", "reason"],
    "zh": ["行号", "列", "字段", "原值", "错误代码", "原因"],
}


def error_lines(errors: Iterable[list[Any]], language: str) -> Iterator[list[str]]:
    """Header, then [line, column, field, value, code, reason] per error, in the language."""
    chinese = language.lower().startswith("zh")
    yield HEADERS["zh" if chinese else "en"]
    for line, column, field, value, code, message_en, message_zh in errors:
        reason = message_zh if chinese else message_en
        # the value came from the file: neutralise it so Excel does not run it as a formula
        yield [str(line), neutralise(column), field, neutralise(value), code, reason]


def error_csv_chunks(errors: Iterable[list[Any]], language: str) -> Iterator[bytes]:
    """The error file as bytes, a few hundred lines a chunk (streams any size)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode()
    for number, line in enumerate(error_lines(errors, language)):
        writer.writerow(line)
        if number % 500 == 499:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def write_error_file(path: str, errors: Iterable[list[Any]], language: str) -> None:
    """Write the error file (written whole to a ``.part`` file first, then renamed)."""
    partial = f"{path}.part"
    with open(partial, "wb") as file:
        for chunk in error_csv_chunks(errors, language):
            file.write(chunk)
    os.replace(partial, path)
