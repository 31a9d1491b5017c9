"""What an actor may see of a customer's values; everything else is masked on the server."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dossier.core.actors import MaybeActor
from dossier.core.fields import FieldSpec, get_type, mask_value
from dossier.protection.crypto import blind_index
from dossier.protection.keys import keyring


def may_see_personal(actor: MaybeActor | None) -> bool:
    return bool(
        actor is not None
        and actor.is_authenticated
        and actor.has_perm("customers.view_personal_customer")
    )


def mask_values(
    values: Mapping[str, Any],
    specs: Sequence[FieldSpec],
    actor: MaybeActor | None,
    *,
    revealed: Sequence[str] = (),
) -> tuple[dict[str, Any], list[str]]:
    """Values as ``actor`` may see them, and the keys that were masked.

    Personal data shows whole to actors with ``view_personal_customer``; sensitive data is
    masked for everyone unless it was revealed (with a reason, audited).
    """
    personal_ok = may_see_personal(actor)
    shown: dict[str, Any] = {}
    masked: list[str] = []
    for spec in specs:
        value = values.get(spec.key)
        hide = (spec.classification == "sensitive" and spec.key not in revealed) or (
            spec.classification == "personal" and not personal_ok
        )
        if hide and value not in (None, "", []):
            shown[spec.key] = mask_value(spec.type, value)
            masked.append(spec.key)
        else:
            shown[spec.key] = value
    return shown, masked


def lookup_digest(field_type: str, value: Any) -> str:
    """The blind index of a value of a field type (the same for every field of that type)."""
    canonical = get_type(field_type).lookup_form(value)
    return blind_index(canonical, keyring(), field=field_type)


def last4_digest(phone: str) -> str | None:
    """The blind index of a phone number's last four digits, or None if it has fewer."""
    digits = phone[1:] if phone[:1] == "+" and phone[1:].isdigit() else ""
    if not digits:  # not a stored E.164 number: pick the digits out
        digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < 4:
        return None
    return blind_index(digits[-4:], keyring(), field="phone_last4")
