"""Model fields that keep their values encrypted at rest."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull, Lookup

from dossier.protection.crypto import decrypt, encrypt
from dossier.protection.keys import keyring


class EncryptedLookupError(FieldError):
    """A query compared an encrypted column with a value: it could never match."""


class _EmptyOnlyExact(Exact):
    """``field=""`` (is it empty?) works on ciphertext; any other value could never match."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise EncryptedLookupError(
                f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: "
                "search it through its blind index (CustomerLookup), not by value."
            )
        return super().get_prep_lookup()


class StoredEnvelope(str):
    """An envelope exactly as it was stored (restoring an earlier state): written as it is."""


class EncryptedTextField(models.TextField):
    """Text stored as an AES-256-GCM envelope; the model attribute holds the plaintext.

    Lookups on this field cannot match (each encryption differs), so they raise
    :class:`EncryptedLookupError` instead of matching nothing: search through a blind index.
    """

    def __init__(self, *args: Any, context: str = "", **kwargs: Any) -> None:
        self.context = context
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def get_lookup(self, lookup_name: str) -> type[Lookup[Any]] | None:
        # each encryption differs, so only emptiness can be asked of the column
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        raise EncryptedLookupError(
            f"{self.model.__name__}.{self.name} is encrypted: the lookup '{lookup_name}' "
            "cannot match; search it through its blind index (CustomerLookup)."
        )

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["context"] = self.context
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not value:
            return value
        return self.decode(decrypt(value, keyring(), context=self.context))

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "" or isinstance(value, StoredEnvelope):
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
        if isinstance(value, StoredEnvelope):
            return value
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
