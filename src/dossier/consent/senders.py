"""Where double opt-in codes leave Dossier: a small protocol and the senders that ship with it.

Choose one with the setting ``DOSSIER_CONSENT_SENDER`` (a dotted path to a class or factory
taking no arguments). The default, :class:`FileSender`, writes JSON lines to
``DOSSIER_DATA_DIR/outbox/consent.jsonl`` for a gateway (SMS, e-mail) or a person to pick up.
The outbox holds codes and phone numbers: it is for development and hand-over, not an archive.
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

DEFAULT_SENDER = "dossier.consent.senders.FileSender"


@dataclass(frozen=True)
class ConsentMessage:
    """A confirmation code on its way to a customer."""

    customer_id: str
    confirmation_id: int
    via: str  # "sms" or "email"
    to: str
    subject: str
    body: str
    code: str
    link: str = ""


class ConsentSender(Protocol):
    def send(self, message: ConsentMessage) -> None:
        """Deliver the message, or raise."""


class FileSender:
    """Appends each message as one JSON line to ``<data dir>/outbox/consent.jsonl``."""

    def send(self, message: ConsentMessage) -> None:
        outbox = Path(settings.DATA_DIR) / "outbox"
        outbox.mkdir(parents=True, exist_ok=True)
        line = json.dumps(asdict(message), ensure_ascii=False) + "\n"
        # owner-only: the file holds codes and contact details
        fd = os.open(outbox / "consent.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(line)


class ConsoleSender:
    """Prints each message to standard output (development)."""

    def send(self, message: ConsentMessage) -> None:
        sys.stdout.write(f"To {message.via}:{message.to}\n{message.subject}\n{message.body}\n\n")
        sys.stdout.flush()


class MemorySender:
    """Keeps messages in ``MemorySender.outbox`` (tests, like Django's locmem mail backend)."""

    outbox: ClassVar[list[ConsentMessage]] = []

    def send(self, message: ConsentMessage) -> None:
        MemorySender.outbox.append(message)


def get_sender() -> ConsentSender:
    """The configured sender."""
    factory = import_string(getattr(settings, "DOSSIER_CONSENT_SENDER", DEFAULT_SENDER))
    sender: ConsentSender = factory()
    return sender
