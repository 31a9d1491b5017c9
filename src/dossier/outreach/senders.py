"""Where self-service update links leave Dossier: the consent senders' pattern, for our message.

The consent app's :class:`~dossier.consent.senders.ConsentMessage` carries a confirmation
code and id, which an update link has not; the protocol and the three senders are the same.
Choose one with ``DOSSIER_OUTREACH_SENDER`` (a dotted path to a class or factory taking no
arguments). The default, :class:`FileSender`, appends JSON lines to
``DOSSIER_DATA_DIR/outbox/outreach.jsonl`` for a gateway (SMS, e-mail) to pick up. The lines
hold live links: the file is for hand-over, not an archive.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_SENDER = "dossier.outreach.senders.FileSender"


@dataclass(frozen=True)
class UpdateLinkMessage:
    """A self-service link on its way to a customer."""

    customer_id: str
    campaign_id: int
    via: str  # "sms" or "email"
    to: str
    subject: str
    body: str
    link: str
    reminder: bool = False


class UpdateLinkSender(Protocol):
    def send(self, message: UpdateLinkMessage) -> None:
        """Deliver the message, or raise."""


class FileSender:
    """Appends each message as one JSON line to ``<data dir>/outbox/outreach.jsonl``."""

    def send(self, message: UpdateLinkMessage) -> None:
        outbox = Path(settings.DATA_DIR) / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(message), ensure_ascii=False) + "\n"
        # owner-only: the file holds live links and contact details
        fd = os.open(outbox / "outreach.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(line)


class ConsoleSender:
    """Prints each message to standard output (development)."""

    def send(self, message: UpdateLinkMessage) -> None:
        sys.stdout.write(f"To {message.via}:{message.to}\n{message.subject}\n{message.body}\n\n")
        sys.stdout.flush()


class MemorySender:
    """Keeps messages in ``MemorySender.outbox`` (tests)."""

    outbox: ClassVar[list[UpdateLinkMessage]] = []

    def send(self, message: UpdateLinkMessage) -> None:
        MemorySender.outbox.append(message)


def get_sender() -> UpdateLinkSender:
    """The configured sender."""
    factory = import_string(getattr(settings, "DOSSIER_OUTREACH_SENDER", DEFAULT_SENDER))
    sender: UpdateLinkSender = factory()
    return sender
