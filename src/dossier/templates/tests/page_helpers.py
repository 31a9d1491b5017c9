"""Helpers of the template page tests."""

from __future__ import annotations

from dossier.templates.models import TemplateVersion


def own_keys(version: TemplateVersion) -> list[str]:
    return [s.key for s in version.own_specs()]
