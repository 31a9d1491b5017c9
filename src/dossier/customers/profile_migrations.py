"""Profile migrations at the edges: moving a template's customers to its current version.

The API operations sit under ``/templates/{key}/migrations`` and the pages under
``/templates/{key}/…``, beside the template they concern; they live here because the work
is done to customers (``services.start_migration``, ``selectors.migration_report``) and the
templates app sits below the customers app.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_POST
from ninja import Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.errors import ApplicationError, PermissionDenied
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.core.schemas import ERRORS
from dossier.customers import selectors, services
from dossier.templates.models import ProfileMigration
from dossier.templates.schemas import MigrationOut
from dossier.templates.selectors import get_template

router = Router(tags=["templates"])
page = shows_errors("templates/error.html", nav="templates")


def _migration_out(migration: ProfileMigration) -> dict[str, Any]:
    return {
        "id": migration.pk,
        "template": migration.template.key,
        "target_version": migration.target.number,
        "status": migration.status,
        "migrated": migration.migrated,
        "failed": migration.failed,
        "failures": migration.failures,
    }


@router.post("/{key}/migrations", response={202: MigrationOut, **ERRORS})
def start_migration(request: ApiRequest, key: str, confirm_decrypt: bool = False) -> Any:
    """Re-validate the template's profiles against its current version, in the background.

    Only someone who may change every customer on the template may migrate it. A migration
    that would store encrypted values in plaintext needs an administrator and
    `confirm_decrypt=true`.
    """
    migration = services.start_migration(
        actor=request.user, template=get_template(key=key), confirm_decrypt=confirm_decrypt
    )
    report = selectors.migration_report(
        actor=request.user, template_key=key, migration_id=migration.pk
    )
    return Status(202, _migration_out(report))


@router.get("/{key}/migrations/{migration_id}", response={200: MigrationOut, **ERRORS})
def get_migration(request: ApiRequest, key: str, migration_id: int) -> Any:
    """A migration's progress and its report of every profile that failed."""
    migration = selectors.migration_report(
        actor=request.user, template_key=key, migration_id=migration_id
    )
    return _migration_out(migration)


@require_POST
@page
def migrate(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """Start moving the template's customers to its current version."""
    template = get_template(key=key)
    try:
        migration = services.start_migration(
            actor=request.user,
            template=template,
            confirm_decrypt=request.POST.get("confirm_decrypt") == "on",
        )
    except ApplicationError as exc:
        if isinstance(exc, PermissionDenied) and not exc.errors:
            raise  # no right to migrate at all: the 403 page
        reasons = [e.message(get_language() or "zh-hans") for e in exc.errors]
        messages.error(request, " ".join([exc.message, *reasons]))
        return redirect("templates:detail", key=key)
    return redirect("customers:template_migration", key=key, migration_id=migration.pk)


@page
def migration(request: AuthenticatedRequest, key: str, migration_id: int) -> HttpResponse:
    """A migration's report: counts and every customer that failed, with its errors."""
    report = selectors.migration_report(
        actor=request.user, template_key=key, migration_id=migration_id
    )
    context = {"nav": "templates", "template": report.template, "migration": report}
    name = "templates/_migration_report.html" if _is_htmx(request) else "templates/migration.html"
    return render(request, name, context)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"
