"""What the consent ledger's errors are about (their messages are in the one catalogue)."""

from __future__ import annotations

from dossier.core.fields import FieldLabel

PURPOSE = FieldLabel("purpose", "用途", "Purpose")
CHANNEL = FieldLabel("channel", "渠道", "Channel")
SOURCE = FieldLabel("source", "来源", "Source")
NOTICE_VERSION = FieldLabel("notice_version", "告知版本", "Notice version")
CODE = FieldLabel("code", "确认码", "Confirmation code")
DELIVER_VIA = FieldLabel("deliver_via", "发送方式", "Send the code by")
IP = FieldLabel("evidence.ip", "IP 地址", "IP address")
