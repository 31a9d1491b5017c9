"""Why a whole file cannot be read: one code, a one-line reason in zh-Hans or English."""

from __future__ import annotations

from typing import Any

#: code -> (zh-Hans, English); {placeholders} come from the refusal's params
MESSAGES: dict[str, tuple[str, str]] = {
    "missing_file": ("找不到文件：{path}", "File not found: {path}"),
    "empty_file": ("文件是空的（0 字节）", "The file is empty (0 bytes)"),
    "no_header": ("文件中没有表头行", "The file has no header row"),
    "binary_file": (
        "这不是文本表格文件（看起来是二进制文件）",
        "This is not a text table (it looks like a binary file)",
    ),
    "unknown_encoding": (
        "无法识别文件编码，请指定编码（如 utf-8 或 gb18030）",
        "Cannot tell the file's encoding; give one (such as utf-8 or gb18030)",
    ),
    "bad_encoding_name": ("不认识的编码：{encoding}", "Unknown encoding: {encoding}"),
    "wrong_encoding": (
        "文件不是 {encoding} 编码（第 {line} 行附近）",
        "The file is not in {encoding} (near line {line})",
    ),
    "unreadable_spreadsheet": (
        "无法读取表格文件：{detail}",
        "Cannot read the spreadsheet: {detail}",
    ),
    "unknown_sheet": (
        "找不到工作表 {sheet}（现有：{sheets}）",
        "No sheet {sheet} (the file has: {sheets})",
    ),
    "unsupported_format": (
        "不支持的文件格式：{suffix}（支持 csv、txt、xlsx、xls、ods）",
        "Unsupported file format: {suffix} (csv, txt, xlsx, xls and ods are read)",
    ),
}


class FileRefused(Exception):
    """The file itself cannot be read; nothing in it was imported."""

    def __init__(self, code: str, **params: Any) -> None:
        if code not in MESSAGES:
            raise ValueError(f"unknown refusal code {code!r}")
        self.code = code
        self.params = params
        super().__init__(self.message("en"))

    def message(self, language: str = "en") -> str:
        """The one-line reason; zh-Hans for any language starting with "zh"."""
        zh, en = MESSAGES[self.code]
        text = zh if language.lower().startswith("zh") else en
        return text.format(**self.params)
