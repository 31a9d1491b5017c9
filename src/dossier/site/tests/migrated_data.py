"""What ``dossier migrate`` leaves in a new database, put back after transactional tests.

A transactional test (a browser test's live server) empties every table when it ends; the
roles, built-in templates, pipeline stages, consent purposes and retention policies that
migrating made are then gone for the tests after it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps

from dossier.accounts.models import AccessGeneration
from dossier.accounts.services import ensure_roles
from dossier.pipeline.stages import ensure_default_stages
from dossier.privacy.retention import ensure_default_policies
from dossier.templates.services import install_builtin_templates


def restore_migrated_data() -> None:
    """The rows ``dossier migrate`` makes (each step leaves existing rows alone)."""
    ensure_roles()
    install_builtin_templates()
    ensure_default_stages()
    ensure_default_policies()
    purposes = importlib.import_module("dossier.consent.migrations.0002_default_purposes")
    purposes.forwards(apps, None)
    AccessGeneration.objects.get_or_create(pk=1)


@pytest.fixture(scope="module", autouse=True)
def migrated_data_back_for_later_tests(
    django_db_setup: Any, django_db_blocker: Any
) -> Iterator[None]:
    """Use in a module of transactional tests (assign it to a name there)."""
    # torn down after the module's last flush: later tests find roles and built-ins again
    yield
    with django_db_blocker.unblock():
        restore_migrated_data()
