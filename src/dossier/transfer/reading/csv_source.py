"""CSV and tab-separated text: encoding and delimiter from a sample, rows streamed."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import charset_normalizer

from dossier.transfer.reading.refusals import FileRefused
from dossier.transfer.reading.table import BAD_BYTES, Cell

SAMPLE_BYTES = 64 * 1024
DELIMITERS = ",\t;|，"
#: what charset-normalizer may answer for Chinese text: read all of them as GB18030,
#: their superset, so a rare character past the sample does not break the read
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
# control characters text tables never hold (tab, LF, CR and form feed excepted)
_CONTROL = re.compile(b"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def read_sample(path: Path) -> bytes:
    with path.open("rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
        more = handle.read(1) != b""
    if more and b"\n" in sample:
        # cut at a line end: no multi-byte character is split (no GBK or UTF-8 byte
        # inside a character is 0x0A)
        sample = sample[: sample.rindex(b"\n") + 1]
    return sample


def detect_encoding(sample: bytes) -> str:
    """The sample's encoding: BOMs first, then UTF-8, then charset-normalizer's guesses."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text": tab-separated UTF-16 with a BOM
    if len(_CONTROL.findall(sample)) > max(2, len(sample) // 1000):
        raise FileRefused("binary_file")
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    # charset-normalizer often ranks cp949 or big5 first on a few lines of GBK; for
    # Chinese tables GB18030 is the likely one whenever it is among the plausible
    plausible = [
        codecs.lookup(match.encoding).name for match in charset_normalizer.from_bytes(sample)
    ]
    if any(name in _GB_FAMILY for name in plausible):
        return "gb18030"
    # UTF-16 without a BOM is guessed for short CJK text that is something else
    plausible = [name for name in plausible if not name.startswith("utf-16")]
    if not plausible:
        raise FileRefused("unknown_encoding")
    return plausible[0]


def detect_delimiter(text: str) -> str:
    """The delimiter of the sample's first lines: csv.Sniffer, else the steadiest count."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    if not lines:
        return ","
    try:
        found = csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        found = ""
    if found:
        return found
    # the Sniffer gives up on short or irregular samples: take the candidate present on
    # the header line that appears on the most lines
    scores = [
        (sum(1 for line in lines if candidate in line), candidate)
        for candidate in DELIMITERS
        if candidate in lines[0]
    ]
    return max(scores)[1] if scores else ","


def open_csv(
    path: Path, *, encoding: str | None, delimiter: str | None
) -> tuple[Iterator[tuple[int, list[Cell], str | None]], str, str, IO[str]]:
    """Raw rows of a text table, its encoding and delimiter, and the handle to close."""
    sample = read_sample(path)
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise FileRefused("bad_encoding_name", encoding=encoding) from None
        if encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
    else:
        encoding = detect_encoding(sample)
    if delimiter is None:
        text = sample.decode(encoding, errors="replace")
        delimiter = detect_delimiter(text)
    # a bad byte past the sample becomes U+FFFD and marks its row instead of stopping the
    # file (a U+FFFD already in the file marks its row too: it was damaged before)
    handle = path.open(encoding=encoding, errors="replace", newline="")
    return _rows(handle, delimiter), encoding, delimiter, handle


def _rows(handle: IO[str], delimiter: str) -> Iterator[tuple[int, list[Cell], str | None]]:
    reader = csv.reader(handle, delimiter=delimiter)
    line = 1  # where the next record starts; a quoted cell may span several lines
    for cells in reader:
        # one search per row, not per cell: the common row is clean
        yield line, cells or [""], BAD_BYTES if "\ufffd" in "".join(cells) else None
        line = reader.line_num + 1
