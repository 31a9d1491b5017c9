"""What every page loads: the favicon, and scripts only from files (the CSP allows no inline)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

import dossier

INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


@pytest.mark.django_db
def test_pages_link_the_favicon_and_it_is_a_small_svg() -> None:
    html = Client().get("/login/").content.decode()
    assert '<link rel="icon" href="/static/dossier/favicon.svg" type="image/svg+xml">' in html
    path = finders.find("dossier/favicon.svg")
    assert path is not None
    text = Path(path).read_text()
    assert text.startswith("<svg") and len(text) < 2000


def test_no_template_has_inline_event_handlers_or_scripts() -> None:
    root = Path(dossier.__file__).parent
    offenders = [
        f"{path.relative_to(root)}: {match.group(0)[:60]}"
        for path in root.rglob("templates/**/*.html")
        for pattern in (INLINE_HANDLER, INLINE_SCRIPT)
        for match in pattern.finditer(path.read_text())
    ]
    assert offenders == []
