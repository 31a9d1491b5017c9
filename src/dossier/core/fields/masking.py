"""Masking rules: what a value looks like to someone who may not see it whole. Pure.

Each field type picks its rule (``FieldType.mask``); these are the rules it picks from.
"""

from __future__ import annotations


def mask_phone(value: str) -> str:
    """+8613800138000 → 138****8000; other numbers keep their last four digits."""
    digits = value.lstrip("+")
    if value.startswith("+86") and len(digits) == 13:
        national = digits[2:]
        return f"{national[:3]}****{national[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return (
        "+" + "*" * (len(digits) - 4) + digits[-4:]
        if value.startswith("+")
        else "*" * (len(digits) - 4) + digits[-4:]
    )


def mask_email(value: str) -> str:
    """zhang.san@example.com → z***@example.com."""
    local, at, domain = value.partition("@")
    if not at:
        return mask_text(value)
    return f"{local[:1]}***@{domain}"


def mask_id_number(value: str) -> str:
    """110105194912310021 → 110105********0021 (region kept, birth date hidden)."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_text(value: str) -> str:
    """Any other text: its first character, then asterisks."""
    if not value:
        return value
    return value[:1] + "*" * min(max(len(value) - 1, 2), 8)


MASKED_OTHER = "******"
