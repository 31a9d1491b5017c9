"""Form sections of a template: their names for people, and the key a typed name stands for.

A field names its section by key ("contact"). The shipped sections have names in both
languages; a section someone adds in the editor is stored under the name they typed, so it
reads the same wherever it is shown.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.utils import translation
from django.utils.translation import gettext_lazy

SECTIONS = {
    "basic": gettext_lazy("Basic information"),
    "contact": gettext_lazy("Contact"),
    "work": gettext_lazy("Work"),
    "company": gettext_lazy("Company"),
    "sales": gettext_lazy("Sales"),
    "service": gettext_lazy("Service"),
    "membership": gettext_lazy("Membership"),
    "preferences": gettext_lazy("Preferences"),
    "property": gettext_lazy("Property"),
    "finance": gettext_lazy("Finance"),
    "": gettext_lazy("Other"),
}
MAX_KEY_LENGTH = 50  # the size of TemplateField.section


def section_label(key: str) -> str:
    """The name of a section in the active language ("contact" → "Contact" / "联系方式")."""
    return str(SECTIONS.get(key, key))


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _names(key: str) -> set[str]:
    """Every way people may write a section: its key and its name in each language."""
    names = {_folded(key)}
    if key in SECTIONS:
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(_folded(str(SECTIONS[key])))
    return names


def section_key(name: str, existing: Iterable[str] = ()) -> str:
    """The key of the section called ``name``: a shipped or existing one it names, else a new
    one derived from the name itself (spaces tidied, at most 50 characters)."""
    wanted = _folded(name)
    if not wanted:
        return ""
    for key in (*SECTIONS, *existing):
        if wanted in _names(key):
            return key
    return " ".join(unicodedata.normalize("NFKC", name).split())[:MAX_KEY_LENGTH]


def section_choices(existing: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(key, name) of the shipped sections, then of the other sections in use, for a picker."""
    keys = [k for k in SECTIONS if k] + sorted({k for k in existing if k and k not in SECTIONS})
    return [("", section_label(""))] + [(key, section_label(key)) for key in keys]
