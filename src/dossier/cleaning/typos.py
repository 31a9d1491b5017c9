"""Typing slips in stored values: full-width characters, stray spaces, short region names. Pure.

Each rule takes a value and answers the fixed value and a reason code, or None when the value
is fine as it is; the cleaning run turns the answers into suggestions for people to accept.
"""

from __future__ import annotations

from collections.abc import Callable

from dossier.cleaning.addresses import canonical_city, canonical_province, tidy_spaces
from dossier.core.fields.base import fold_width

#: reason codes of the suggestions
FULL_WIDTH, STRAY_SPACES, REGION_NAME, ADDRESS_PARTS = (
    "full_width",
    "stray_spaces",
    "region_name",
    "address_parts",
)

Fix = tuple[str, str] | None


def fix_contact(value: str) -> Fix:
    """A phone number or an e-mail: half-width characters and no space at all."""
    folded = fold_width(value)
    fixed = "".join(folded.split())
    if fixed == value:
        return None
    return fixed, (FULL_WIDTH if folded != value else STRAY_SPACES)


def fix_text(value: str) -> Fix:
    """A name, company or title: stray spaces only (full-width punctuation is legitimate)."""
    fixed = tidy_spaces(value.replace("\u3000", " "))
    return None if fixed == value else (fixed, STRAY_SPACES)


def fix_province(value: str) -> Fix:
    """A province by the region table's name ("广东" → "广东省")."""
    fixed = canonical_province(value)
    return (fixed, REGION_NAME) if fixed and fixed != value else None


def fix_city(value: str, province: str) -> Fix:
    """A city by the region table's name ("深圳" → "深圳市"), looked up in its province."""
    fixed = canonical_city(value, province)
    return (fixed, REGION_NAME) if fixed and fixed != value else None


#: the fields a typo run looks at, each with its rule (province and city are done apart)
FIELD_RULES: dict[str, Callable[[str], Fix]] = {
    "phone": fix_contact,
    "email": fix_contact,
    "display_name": fix_text,
    "company": fix_text,
    "title": fix_text,
}


def fix_address(value: str) -> Fix:
    """A street address: half-width digits and letters, no stray spaces."""
    folded = fold_width(value)
    fixed = tidy_spaces(folded)
    if fixed == value:
        return None
    return fixed, (FULL_WIDTH if folded != value else STRAY_SPACES)
