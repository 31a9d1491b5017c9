"""What the import pages read: who may use them, the runs an actor sees, a draft's preview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached
from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied
from dossier.core.fields import FieldSpec
from dossier.customers.access import may
from dossier.customers.services import check_may_create
from dossier.quality.selectors import field_labels
from dossier.templates.models import Template
from dossier.templates.selectors import template_list
from dossier.transfer.importing.engine import PreviewRow, preview
from dossier.transfer.importing.plan import ImportOptions, default_match_on, template_specs
from dossier.transfer.models import ImportRun
from dossier.transfer.services import check_may_import, may_manage_run
from dossier.transfer.uploads import draft_for

#: the runs the list page shows (newest first)
LISTED_RUNS = 100


def check_may_use_imports(actor: User) -> None:
    """403 unless the actor may create or change customers (the import writes nothing else)."""
    if not (may(actor, "customers.add_customer") or may(actor, "customers.change_customer")):
        raise PermissionDenied(_("You may not import customers."))


def import_runs(*, actor: User, limit: int = LISTED_RUNS) -> QuerySet[ImportRun]:
    """The actor's own runs, newest first (an administrator's: everyone's)."""
    check_may_use_imports(actor)
    runs = ImportRun.objects.select_related("template", "actor").order_by("-id")
    if role_of_cached(actor) != roles.ADMIN:
        runs = runs.filter(actor=actor)
    return runs[:limit]


def import_run_for(*, actor: User, run_id: Any) -> ImportRun:
    """One run of the actor (any run for an administrator); 404 for anyone else's."""
    check_may_use_imports(actor)
    run = None
    if str(run_id).isdecimal():
        run = ImportRun.objects.select_related("template", "actor").filter(pk=int(run_id)).first()
    if run is None or not may_manage_run(actor, run):
        raise NotFound(_("No such import."))
    return run


def importable_templates(*, actor: User) -> list[Template]:
    """Published templates the actor may create customers of (the upload form's choices)."""
    check_may_use_imports(actor)
    chosen = []
    for template in template_list(actor=actor):
        if template.current_version_id is None:
            continue
        try:
            check_may_create(actor, template)
        except PermissionDenied:
            continue
        chosen.append(template)
    return chosen


def match_candidates(template: Template) -> list[FieldSpec]:
    """The fields an update may find customers by: the unique and identifying ones."""
    specs = template_specs(template)
    keys = default_match_on("upsert", list(specs.values()), set(specs))
    return [specs[key] for key in keys]


def preview_draft(
    *,
    actor: User,
    run_id: Any,
    mapping: Mapping[str, str | None],
    mode: str,
    match_on: Sequence[str] = (),
    limit: int = 20,
) -> list[PreviewRow]:
    """The draft's first rows as this mapping would import them; nothing is saved.

    Raises ValidationFailed (mapping mistakes) or FileRefused (the upload cannot be read).
    """
    run = draft_for(actor, run_id)
    assert run.template is not None
    check_may_import(actor, run.template, mode)
    options = ImportOptions.from_json(run.options).chosen(mode=mode, match_on=match_on)
    # the run is changed in memory only, for preview() to read; it is never saved
    run.mapping = dict(mapping)
    run.options = {**run.options, **options.as_json()}
    return preview(run, Path(run.stored_file), limit=limit)


def brought_quality(run: ImportRun) -> dict[str, Any] | None:
    """How complete the customers the finished run created or updated are, with each field
    they lack named in the reader's language (most often missing first); None before."""
    brought = run.options.get("quality")
    if not run.finished or run.status == ImportRun.REFUSED or not brought:
        return None
    version_id = run.template.current_version_id if run.template else None
    keys = list(brought.get("missing") or {})
    labels = field_labels(version_id, keys) if version_id else keys
    return {
        "customers": brought.get("customers") or 0,
        "average_completeness": brought.get("average_completeness"),
        "missing": [
            {"key": key, "label": label, "count": brought["missing"][key]}
            for key, label in zip(keys, labels, strict=True)
        ],
    }
