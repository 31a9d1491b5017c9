"""Model fields that keep their values encrypted at rest."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from dossier.protection.crypto import decrypt, encrypt
from dossier.protection.keys import keyring


class EncryptedTextField(models.TextField):
    """Text stored as an AES-256-GCM envelope; the model attribute holds the plaintext.

    Lookups on this field cannot match (each encryption differs): search through a blind
    index instead.
    """

    def __init__(self, *args: Any, context: str = "", **kwargs: Any) -> None:
        self.context = context
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        return self.decode(decrypt(value, keyring(), context=self.context))

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        return encrypt(self.encode(value), keyring(), context=self.context)

    def encode(self, value: Any) -> str:
        return str(value)

    def decode(self, text: str) -> Any:
        return text


class EncryptedJSONField(EncryptedTextField):
    """A JSON object stored encrypted as one envelope."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def get_prep_value(self, value: Any) -> Any:
        if not value:
            return ""
        return super().get_prep_value(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return {}
        return super().from_db_value(value, expression, connection)

    def to_python(self, value: Any) -> Any:
        return value if isinstance(value, dict) else ({} if not value else json.loads(value))

    def encode(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def decode(self, text: str) -> Any:
        return json.loads(text)
