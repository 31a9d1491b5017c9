"""Fast paths for phones and e-mails: the plain shapes decided without the full parsers.

Each function returns the value the full check would return, raises the error it would
raise, or returns None when the input is not a shape it can decide exactly; the caller then
runs the full library check. Everything they decide by comes from the libraries' own data
(phonenumbers' metadata, email-validator's constants), read once at import time.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from dossier.core.fields.base import FieldError, FieldSpec

_TYPE = phonenumbers.PhoneNumberType
_MOBILE_TYPES = frozenset({_TYPE.MOBILE, _TYPE.FIXED_LINE_OR_MOBILE})
_CN_METADATA = phonenumbers.PhoneMetadata.metadata_for_region("CN")
assert _CN_METADATA is not None, "phonenumbers has no metadata for mainland China"
_CN = _CN_METADATA
_CN_CODE = phonenumbers.country_code_for_region("CN")
#: an 11-digit national number starting with 1, alone or after +86 (what normalise_phone_text
#: leaves of 138 0013 8000, +86-138…, 0086 138…, 86138… and their full-width forms)
_CN_MOBILE_SHAPE = re.compile(rf"(?:\+{_CN_CODE})?(1[0-9]{{10}})", re.ASCII)
#: numbers the parser might read differently: the start of an international call prefix
#: (00, or 1[12]xx00 / 179xx00 through a carrier) or of a national prefix with a carrier code
#: (0, 1[12]xx, 179xx). Whatever the metadata says these are, such numbers take the full path.
_CN_PREFIXES = re.compile(
    "|".join(
        f"(?:{pattern})"
        for pattern in (_CN.international_prefix, _CN.national_prefix_for_parsing)
        if pattern
    )
    or "(?!)"
)


def _desc_pattern(desc: Any, length: int) -> re.Pattern[str] | None:
    """A number description's pattern for numbers of ``length`` digits; None if it cannot
    match them (no description, no pattern, or a list of possible lengths without it)."""
    if desc is None or not desc.national_number_pattern:
        return None
    if desc.possible_length and length not in desc.possible_length:
        return None
    return re.compile(desc.national_number_pattern)


#: the types phonenumbers tries before fixed line and mobile, in its order, with their
#: patterns for 11-digit numbers (those that cannot match one are left out)
_CN_GENERAL = _desc_pattern(_CN.general_desc, 11)
_CN_SPECIAL = [
    (kind, pattern)
    for kind, desc in (
        (_TYPE.PREMIUM_RATE, _CN.premium_rate),
        (_TYPE.TOLL_FREE, _CN.toll_free),
        (_TYPE.SHARED_COST, _CN.shared_cost),
        (_TYPE.VOIP, _CN.voip),
        (_TYPE.PERSONAL_NUMBER, _CN.personal_number),
        (_TYPE.PAGER, _CN.pager),
        (_TYPE.UAN, _CN.uan),
        (_TYPE.VOICEMAIL, _CN.voicemail),
    )
    if (pattern := _desc_pattern(desc, 11)) is not None
]
_CN_FIXED = _desc_pattern(_CN.fixed_line, 11)
_CN_MOBILE = _desc_pattern(_CN.mobile, 11)
_CN_SAME_PATTERN = bool(_CN.same_mobile_and_fixed_line_pattern)


def mainland_type(national: str) -> int:
    """``phonenumbers.number_type`` of an 11-digit mainland number, from the same metadata
    patterns tried in the same order, without the lookups around them."""
    if _CN_GENERAL is None or not _CN_GENERAL.fullmatch(national):
        return _TYPE.UNKNOWN
    for kind, pattern in _CN_SPECIAL:
        if pattern.fullmatch(national):
            return kind
    if _CN_FIXED is not None and _CN_FIXED.fullmatch(national):
        if _CN_SAME_PATTERN or (_CN_MOBILE is not None and _CN_MOBILE.fullmatch(national)):
            return _TYPE.FIXED_LINE_OR_MOBILE
        return _TYPE.FIXED_LINE
    if not _CN_SAME_PATTERN and _CN_MOBILE is not None and _CN_MOBILE.fullmatch(national):
        return _TYPE.MOBILE
    return _TYPE.UNKNOWN


def quick_phone(normalised: str, region: str, mobile_only: bool, spec: FieldSpec) -> str | None:
    """The E.164 form of a mainland number written plainly, or None to ask phonenumbers.

    ``normalised`` is the text after :func:`normalise_phone_text`. Validity and the number's
    type come from phonenumbers' own patterns (see :func:`mainland_type`); the parsing, the
    slow part, is skipped for a shape whose parse is certain.
    """
    if region != "CN":
        return None
    match = _CN_MOBILE_SHAPE.fullmatch(normalised)
    if match is None:
        return None
    national = match[1]
    if _CN_PREFIXES.match(national):
        return None
    kind = mainland_type(national)
    if kind == _TYPE.UNKNOWN:  # is_valid_number is exactly "its type is known"
        raise FieldError("invalid_phone", spec=spec)
    if mobile_only and kind not in _MOBILE_TYPES:
        raise FieldError("not_mobile", spec=spec)
    return f"+{_CN_CODE}{national}"


# The common address: an ASCII dot-atom local part and an ASCII host name of letters, digits
# and inner hyphens ending in an alphabetic top-level label. A subset of what email-validator
# accepts, so nothing it refuses is accepted here; the lengths are checked below.
_PLAIN_EMAIL = re.compile(
    r"([A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*)"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{1,63})",
    re.ASCII,
)
_LOCAL_MAX, _DOMAIN_MAX, _ADDRESS_MAX = 64, 253, 254
_MAILBOX_NAMES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_SPECIAL_USE = tuple(SPECIAL_USE_DOMAIN_NAMES)
#: the reserved names are single labels, so "is or ends with .name" is "its last label is one"
_SPECIAL_LABELS = frozenset(_SPECIAL_USE) if all("." not in n for n in _SPECIAL_USE) else None


def quick_email(text: str) -> str | None:
    """The normalised form email-validator gives a plain ASCII address, or None to ask it.

    It keeps the local part as written and lower-cases the domain. Anything unusual (another
    character, "--" where IDNA rules apply, a mailbox name it lower-cases, a reserved domain,
    a length near a limit) is left to the library, as is every address this cannot accept.
    """
    match = _PLAIN_EMAIL.fullmatch(text)
    if match is None:
        return None
    local, domain = match[1], match[2].lower()
    if (
        len(local) > _LOCAL_MAX
        or len(domain) > _DOMAIN_MAX
        or len(text) > _ADDRESS_MAX
        or "--" in domain
        or local.lower() in _MAILBOX_NAMES
        or _reserved(domain)
    ):
        return None
    return f"{local}@{domain}"


def _reserved(domain: str) -> bool:
    """Whether email-validator refuses the domain as a special-use name."""
    if _SPECIAL_LABELS is not None:
        return domain[domain.rfind(".") + 1 :] in _SPECIAL_LABELS
    return any(domain == name or domain.endswith("." + name) for name in _SPECIAL_USE)
