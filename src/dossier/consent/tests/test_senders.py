"""Senders: the file outbox (the default), the console, and choosing one by setting."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from dossier.consent.senders import (
    ConsentMessage,
    ConsoleSender,
    FileSender,
    MemorySender,
    get_sender,
)

MESSAGE = ConsentMessage(
    customer_id="0190b5a4-0000-7000-8000-000000000001",
    confirmation_id=7,
    via="sms",
    to="+8613800138000",
    subject="请确认您的同意",
    body="您的确认码为 ABCDE-12345。",
    code="ABCDE-12345",
)


def test_file_sender_is_the_default_and_appends_json_lines(settings: Any, tmp_path: Path) -> None:
    del settings.DOSSIER_CONSENT_SENDER
    settings.DATA_DIR = tmp_path
    sender = get_sender()
    assert isinstance(sender, FileSender)
    sender.send(MESSAGE)
    sender.send(MESSAGE)
    outbox = tmp_path / "outbox" / "consent.jsonl"
    lines = outbox.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["body"] == "您的确认码为 ABCDE-12345。"
    assert json.loads(lines[0])["to"] == "+8613800138000"
    assert stat.S_IMODE(outbox.stat().st_mode) == 0o600  # it holds codes and phone numbers


def test_console_sender_prints(capsys: Any, settings: Any) -> None:
    settings.DOSSIER_CONSENT_SENDER = "dossier.consent.senders.ConsoleSender"
    sender = get_sender()
    assert isinstance(sender, ConsoleSender)
    sender.send(MESSAGE)
    printed = capsys.readouterr().out
    assert "sms:+8613800138000" in printed and "ABCDE-12345" in printed


def test_memory_sender_collects(outbox: list[ConsentMessage]) -> None:
    get_sender().send(MESSAGE)
    assert MemorySender.outbox == [MESSAGE] and outbox == [MESSAGE]
