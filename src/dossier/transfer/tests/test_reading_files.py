"""open_table on files built here: encodings, delimiters, spreadsheets and refusals."""

from __future__ import annotations

import codecs
import datetime
import os
import zipfile
from pathlib import Path

import openpyxl
import pytest

from dossier.transfer.reading import TOO_FEW, TOO_MANY, FileRefused, open_table

ROWS = [["姓名", "手机", "城市"], ["张三", "13800138000", "北京"], ["李四", "13900139000", "上海"]]


def write_text(path: Path, rows: list[list[str]], *, encoding: str, sep: str = ",") -> Path:
    path.write_bytes("\r\n".join(sep.join(row) for row in rows).encode(encoding) + b"\r\n")
    return path


def read_all(path: Path, **options: object) -> tuple[object, list[object]]:
    with open_table(path, **options) as table:  # type: ignore[arg-type]
        return table, list(table)


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030")],
)
def test_chinese_csv_is_read_in_its_encoding(tmp_path: Path, encoding: str, expected: str) -> None:
    path = write_text(tmp_path / "客户.csv", ROWS * 20, encoding=encoding)
    table, rows = read_all(path)
    assert table.encoding == expected
    assert table.headers == ("姓名", "手机", "城市")  # no BOM glued to the first header
    assert rows[0].cells == ("张三", "13800138000", "北京")
    assert rows[0].number == 2


def test_a_given_encoding_overrides_detection(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", ROWS, encoding="gbk")
    table, rows = read_all(path, encoding="latin-1")
    assert table.encoding == "iso8859-1"
    assert rows[0].cells[0] != "张三"


def test_an_unknown_encoding_name_is_refused(tmp_path: Path) -> None:
    path = write_text(tmp_path / "a.csv", ROWS, encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        open_table(path, encoding="klingon")
    assert refused.value.code == "bad_encoding_name"


def test_utf16_unicode_text_from_excel_is_read(tmp_path: Path) -> None:
    path = tmp_path / "unicode.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + "姓名\t手机\n张三\t138\n".encode("utf-16-le"))
    table, rows = read_all(path)
    assert (table.delimiter, table.headers, rows[0].cells) == (
        "\t",
        ("姓名", "手机"),
        ("张三", "138"),
    )


@pytest.mark.parametrize("sep", ["\t", ";", "|", "，", ","])
def test_the_delimiter_is_detected(tmp_path: Path, sep: str) -> None:
    rows_with_commas = [ROWS[0], ["张三, 先生", "13800138000", "北京"]] if sep != "," else ROWS
    path = write_text(tmp_path / "a.csv", rows_with_commas, encoding="utf-8", sep=sep)
    table, rows = read_all(path)
    assert table.delimiter == sep
    assert len(rows[0].cells) == 3


def test_quoted_cells_with_line_breaks_keep_the_record_start_line(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('姓名,备注\n张三,"第一行\n第二行"\n李四,好\n', encoding="utf-8")
    _, rows = read_all(path)
    assert [(row.number, row.cells[1]) for row in rows] == [(2, "第一行\n第二行"), (4, "好")]


def test_blank_lines_ragged_rows_and_repeated_headers_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    lines = [
        "",
        "姓名,手机,城市",
        "张三,138,北京",
        "",
        " , , ",
        "李四,139",
        "王五,137,广州,多余",
        "赵六,136,深圳,,",
        "姓名,手机,城市",
        "钱七,135,杭州",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table, rows = read_all(path)
    assert table.header_number == 2
    assert [(row.number, row.problem) for row in rows] == [
        (3, None),
        (6, TOO_FEW),
        (7, TOO_MANY),
        (8, None),
        (10, None),
    ]
    assert rows[1].cells == ("李四", "139")  # never padded or shifted
    assert rows[2].cells == ("王五", "137", "广州", "多余")
    assert rows[3].cells == ("赵六", "136", "深圳")  # trailing empty cells are no extra data
    counts = table.counts
    assert (counts.data_rows, counts.blank_lines, counts.ragged_rows) == (5, 3, 2)
    assert counts.repeated_headers == [9]
    # every line of the file is accounted for
    total = 1 + counts.data_rows + counts.blank_lines + len(counts.repeated_headers)
    assert total == len(lines)


def test_duplicated_and_blank_header_names_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("姓名,电话,,电话,备注,,\n张三,1,2,3,4\n", encoding="utf-8")
    table, rows = read_all(path)
    assert table.headers == ("姓名", "电话", "", "电话", "备注")
    problems = [(p.column, p.code, p.first_column) for p in table.header_problems]
    assert problems == [(3, "blank", None), (4, "duplicate", 2)]
    assert rows[0].problem is None


def test_a_bad_byte_past_the_sample_marks_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    body = "".join(f"客户{n},{n}\n" for n in range(8000)).encode("utf-8")
    path.write_bytes("姓名,编号\n".encode() + body + b"bad\xff\xfe,1\n" + "好,2\n".encode())
    table, rows = read_all(path)
    assert table.encoding == "utf-8"
    bad = [row for row in rows if row.problem]
    assert [(row.number, row.problem) for row in bad] == [(8002, "bad_bytes")]
    assert "\ufffd" in bad[0].cells[0]
    assert rows[-1].cells == ("好", "2")
    assert table.counts.bad_byte_rows == 1


def test_csv_rows_stream_without_reading_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("姓名,手机\n")
        for n in range(200_000):
            handle.write(f"客户{n},1380013{n % 10000:04d}\n")
    with open_table(path) as table:
        rows = iter(table)
        first = next(rows)
        # after one row only the reader's buffer is consumed, far from the end
        assert table._on_close.__self__.buffer.tell() < os.path.getsize(path) // 10  # type: ignore[union-attr]
        assert first.number == 2
        assert sum(1 for _ in rows) == 199_999


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "empty.csv", "empty_file"),
        (bytes(range(256)) * 40, "binary.csv", "binary_file"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 500, "photo.csv", "binary_file"),
        (b"\n\n  \n", "blank.csv", "no_header"),
        (b"not a spreadsheet", "fake.xlsx", "unreadable_spreadsheet"),
        (b"PK\x03\x04 broken zip", "broken.csv", "unreadable_spreadsheet"),
        (b"a,b\n", "a.pdf", "unsupported_format"),
    ],
)
def test_unreadable_files_are_refused_with_a_reason(
    tmp_path: Path, content: bytes, name: str, code: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused) as refused:
        open_table(path)
    assert refused.value.code == code
    for language in ("zh-hans", "en"):
        message = refused.value.message(language)
        assert message and "\n" not in message and "{" not in message
    assert refused.value.message("zh-hans") != refused.value.message("en")


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileRefused) as refused:
        open_table(tmp_path / "nope.csv")
    assert refused.value.code == "missing_file"


def write_xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    first.title = "说明"
    first.append(["这一页不是数据"])
    sheet = book.create_sheet("客户")
    sheet.append(["姓名", "手机", "生日", "会员"])
    sheet.append(["张三", 13800138000, datetime.date(1990, 3, 7), True])
    sheet.append([None, None, None, None])
    sheet.append(["李四", "13900139000", 32939, "是"])
    sheet.append(["王五", 1.5, None, None, "多余"])
    book.save(path)
    return path


def test_xlsx_sheets_are_read_by_name_or_position(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "客户.xlsx")
    table, rows = read_all(path)
    assert (table.source, table.sheet, table.headers) == ("xlsx", "说明", ("这一页不是数据",))
    for sheet in ("客户", 2, "2"):
        table, rows = read_all(path, sheet=sheet)
        assert table.sheets == ("说明", "客户")
        assert table.headers == ("姓名", "手机", "生日", "会员")
        assert rows[0].cells == ("张三", 13800138000, datetime.date(1990, 3, 7), True)
        assert rows[1].number == 4  # the blank row 3 is skipped and counted
        assert rows[1].cells == ("李四", "13900139000", 32939, "是")
        assert (rows[2].cells[1], rows[2].problem) == (1.5, TOO_MANY)
        assert table.counts.blank_lines == 1


def test_an_xlsx_renamed_csv_is_still_read(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "book.xlsx").rename(tmp_path / "book.csv")
    table, rows = read_all(path, sheet="客户")
    assert table.source == "spreadsheet" and len(rows) == 3


def test_an_unknown_sheet_is_refused_naming_the_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "客户.xlsx")
    for sheet in ("订单", 3, 0):
        with pytest.raises(FileRefused) as refused:
            open_table(path, sheet=sheet)
        assert refused.value.code == "unknown_sheet"
        assert "说明、客户" in refused.value.message("zh-hans")


_ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
 manifest:version="1.2"><manifest:file-entry manifest:full-path="/"
 manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""
_ODS_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)


def write_ods(path: Path, rows: list[list[str]]) -> Path:
    """A minimal ODS written by hand (no ODS writer is a dependency)."""
    body = "".join(
        "<table:table-row>"
        + "".join(
            f'<table:table-cell office:value-type="string"><text:p>{cell}</text:p>'
            "</table:table-cell>"
            for cell in row
        )
        + "</table:table-row>"
        for row in rows
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_ODS_NS}>'
        '<office:body><office:spreadsheet><table:table table:name="客户">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "mimetype",
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", _ODS_MANIFEST)
        archive.writestr("content.xml", content)
    return path


def test_ods_is_read(tmp_path: Path) -> None:
    path = write_ods(tmp_path / "客户.ods", ROWS)
    table, rows = read_all(path)
    assert (table.source, table.sheet, table.headers) == ("ods", "客户", ("姓名", "手机", "城市"))
    assert [row.cells for row in rows] == [tuple(row) for row in ROWS[1:]]


@pytest.mark.parametrize(
    "text",
    [
        "姓名,手机\n张三,138\n",
        "客户名称\n王小明\n",
        "名称,地址\n刘德华,香港九龙\n",
        "备注\n已付款\n",
    ],
)
def test_a_few_lines_of_gbk_are_read_as_gbk(tmp_path: Path, text: str) -> None:
    path = tmp_path / "short.csv"
    path.write_bytes(text.encode("gbk"))
    table, rows = read_all(path)
    assert table.encoding == "gb18030"
    lines = text.splitlines()
    assert ",".join(table.headers) == lines[0]
    assert ",".join(rows[0].cells) == lines[1]


def test_a_single_column_file_needs_no_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("姓名\n张三\n李四\n", encoding="utf-8")
    table, rows = read_all(path)
    assert (table.delimiter, table.headers, [r.cells for r in rows]) == (
        ",",
        ("姓名",),
        [("张三",), ("李四",)],
    )
