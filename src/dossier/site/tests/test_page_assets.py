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


@pytest.mark.django_db
def test_api_docs_page_fits_a_phone_and_runs_no_inline_script() -> None:
    html = Client(headers={"accept-language": "en"}).get("/api/v1/docs").content.decode()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<html lang="en">' in html
    assert "/static/ninja/swagger-ui-bundle.js" in html and "/api/v1/openapi.json" in html
    assert not INLINE_SCRIPT.search(html)


def test_axe_core_is_vendored_with_its_licence_and_no_page_links_it() -> None:
    """axe-core is for the accessibility test only: present, licensed, never served in a page."""
    axe = finders.find("core/vendor/axe/axe.min.js")
    assert axe is not None
    folder = Path(axe).parent
    assert "Mozilla Public License" in (folder / "LICENSE").read_text()
    assert (folder / "VERSION").read_text().startswith("axe-core 4.")
    root = Path(dossier.__file__).parent
    linking = [
        str(path.relative_to(root))
        for path in root.rglob("templates/**/*.html")
        if "vendor/axe" in path.read_text()
    ]
    assert linking == []
