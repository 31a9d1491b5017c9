"""The import wizard's pages: upload, mapping and preview, the run with its progress, undo.

Each view parses the request, calls one selector or service of the import and renders; the
rules (who may, what a mapping may say, what a file may be) live in those.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.templates.selectors import get_template
from dossier.transfer import selectors, services, uploads
from dossier.transfer.importing.engine import PreviewRow
from dossier.transfer.importing.plan import MODES, template_specs
from dossier.transfer.models import ImportRun
from dossier.transfer.reading import FileRefused

_shows_errors = shows_errors("transfer/import_error.html", nav="customers")

MODE_LABELS = {
    "upsert": gettext_lazy("Update customers already on file, create the others"),
    "create": gettext_lazy("Create new customers only"),
    "update": gettext_lazy("Update customers already on file only"),
}
#: the statuses as the pages name them (privacy's "completed" means a request closed)
STATUS_LABELS = {
    ImportRun.DRAFT: pgettext_lazy("import status", "draft"),
    ImportRun.QUEUED: pgettext_lazy("import status", "queued"),
    ImportRun.RUNNING: pgettext_lazy("import status", "running"),
    ImportRun.COMPLETED: pgettext_lazy("import status", "completed"),
    ImportRun.REFUSED: pgettext_lazy("import status", "file refused"),
    ImportRun.FAILED: pgettext_lazy("import status", "failed"),
    ImportRun.UNDONE: pgettext_lazy("import status", "undone"),
}
PREVIEW_OUTCOMES = {
    "created": pgettext_lazy("import preview", "new customer"),
    "updated": pgettext_lazy("import preview", "updates a customer"),
    "unchanged": pgettext_lazy("import preview", "no change"),
    "failed": pgettext_lazy("import preview", "has errors"),
}


def _language() -> str:
    return get_language() or "zh-hans"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


# ---- the list and the upload ----------------------------------------------------------------


def _labelled(run: ImportRun) -> ImportRun:
    run.status_label = STATUS_LABELS.get(run.status, run.status)  # type: ignore[attr-defined]
    return run


def _render_imports(
    request: AuthenticatedRequest, status: int = 200, **context: Any
) -> HttpResponse:
    defaults: dict[str, Any] = {
        "nav": "customers",
        "runs": [_labelled(run) for run in selectors.import_runs(actor=request.user)],
        "templates": selectors.importable_templates(actor=request.user),
        "modes": [(mode, MODE_LABELS[mode]) for mode in MODES],
        "chosen": {"template": "", "mode": "upsert"},
        "upload_errors": [],
    }
    return render(request, "transfer/imports.html", {**defaults, **context}, status=status)


@require_http_methods(["GET", "POST"])
@_shows_errors
def import_list(request: AuthenticatedRequest) -> HttpResponse:
    """My import runs (an administrator's: everyone's) and the form starting a new one."""
    selectors.check_may_use_imports(request.user)
    if request.method != "POST":
        return _render_imports(request)
    chosen = {"template": request.POST.get("template", ""), "mode": request.POST.get("mode", "")}
    try:
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed(_("Choose a file to upload."))
        try:
            template = get_template(key=chosen["template"])
        except NotFound:
            raise ValidationFailed(_("Choose the template the customers are on.")) from None
        run = uploads.upload_import(
            actor=request.user,
            template=template,
            upload=upload,
            mode=chosen["mode"],
            language=_language(),
        )
    except ValidationFailed as error:
        return _render_imports(request, 422, chosen=chosen, upload_errors=[error.message])
    return redirect("transfer:import_mapping", run_id=run.pk)


# ---- the mapping, its preview, the start -----------------------------------------------------


def _posted_choices(request: HttpRequest, run: ImportRun) -> dict[str, Any]:
    """The mapping form as posted: ``column_<n>`` per header, mode, match_on, remember."""
    mapping: dict[str, str | None] = {}
    for index, header in enumerate(run.options.get("headers") or []):
        if header not in mapping:  # a repeated header is never imported (the engine's rule)
            mapping[header] = request.POST.get(f"column_{index}", "").strip() or None
    return {
        "mapping": mapping,
        "mode": request.POST.get("mode", ""),
        "match_on": [key for key in request.POST.getlist("match_on") if key],
        "remember": request.POST.get("remember") == "1",
    }


def _mapping_context(
    run: ImportRun, choices: dict[str, Any], error: ValidationFailed | None = None
) -> dict[str, Any]:
    """The rows of the mapping form, each mistake placed next to the thing it is about."""
    assert run.template is not None
    language = _language()
    specs = template_specs(run.template)
    mapping = choices["mapping"]
    headers = list(run.options.get("headers") or [])
    row_errors: dict[int, list[str]] = {}
    match_errors: list[str] = []
    summary: list[str] = []
    for err in error.errors if error else []:
        message = err.message(language)
        placed = _rows_of(err, headers, mapping)
        for index in placed:
            row_errors.setdefault(index, []).append(message)
        if err.field in ("match_on", "mode"):
            match_errors.append(message)
        elif not placed:
            summary.append(message)
    seen: set[str] = set()
    rows = []
    for index, header in enumerate(headers):
        rows.append(
            {
                "index": index,
                "header": header,
                "repeated": header in seen,
                "chosen": mapping.get(header) or "",
                "errors": row_errors.get(index, []),
            }
        )
        seen.add(header)
    candidates = selectors.match_candidates(run.template)
    return {
        "nav": "customers",
        "run": run,
        "rows": rows,
        "fields": [(s.key, s.label(language)) for s in specs.values()],
        "modes": [(mode, MODE_LABELS[mode]) for mode in MODES],
        "mode": choices["mode"],
        "match_fields": [(s.key, s.label(language)) for s in candidates],
        "match_on": choices["match_on"],
        "match_errors": match_errors,
        "remember": choices["remember"],
        "summary": summary,
        "error": error,
    }


def _rows_of(err: FieldError, headers: list[str], mapping: dict[str, str | None]) -> list[int]:
    """Which header rows of the form a mapping mistake is about."""
    if err.code == "column_twice":
        names = {err.params.get("value"), err.params.get("other")}
        return [i for i, h in enumerate(headers) if h in names]
    if err.code == "unknown_field":
        wanted = err.params.get("label")
        return [i for i, h in enumerate(headers) if mapping.get(h) == wanted]
    return []


def _saved_choices(run: ImportRun) -> dict[str, Any]:
    assert run.template is not None
    options = run.options
    match_on = list(options.get("match_on") or [])
    if not match_on:  # suggest what the import would match on by itself
        match_on = [s.key for s in selectors.match_candidates(run.template)]
        match_on = [key for key in match_on if key in set(run.mapping.values())]
    return {
        "mapping": dict(run.mapping),
        "mode": options.get("mode", "upsert"),
        "match_on": match_on,
        "remember": False,
    }


@require_http_methods(["GET", "POST"])
@_shows_errors
def import_mapping(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """Say which field each column fills; "start" saves the mapping and queues the run."""
    run = selectors.import_run_for(actor=request.user, run_id=run_id)
    if run.status != ImportRun.DRAFT:
        return redirect("transfer:import_run", run_id=run.pk)
    if request.method != "POST":
        return render(request, "transfer/mapping.html", _mapping_context(run, _saved_choices(run)))
    choices = _posted_choices(request, run)
    try:
        uploads.configure_import(
            actor=request.user,
            run_id=run.pk,
            mapping=choices["mapping"],
            mode=choices["mode"],
            match_on=choices["match_on"],
            remember=choices["remember"],
        )
        uploads.queue_import(actor=request.user, run_id=run.pk)
    except ValidationFailed as error:
        context = _mapping_context(run, choices, error)
        return render(request, "transfer/mapping.html", context, status=422)
    except Conflict as error:  # started meanwhile (a second tab)
        messages.error(request, error.message)
    return redirect("transfer:import_run", run_id=run.pk)


def _preview_rows(run: ImportRun, rows: list[PreviewRow]) -> list[dict[str, Any]]:
    assert run.template is not None
    language = _language()
    specs = template_specs(run.template)
    headers = list(run.options.get("headers") or [])
    shown = []
    for row in rows:
        errors = []
        for err in row.errors:
            spec = specs.get(err.field)
            errors.append((spec.label(language) if spec else err.field, err.message(language)))
        shown.append(
            {
                "line": row.line,
                "outcome": row.outcome,
                "outcome_label": PREVIEW_OUTCOMES.get(row.outcome, row.outcome),
                "cells": list(zip(headers, row.cells, strict=False)),
                "errors": errors,
            }
        )
    return shown


@require_POST
@_shows_errors
def import_preview(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """The first 20 rows as the posted mapping would import them (htmx); nothing is written."""
    run = selectors.import_run_for(actor=request.user, run_id=run_id)
    choices = _posted_choices(request, run)
    context: dict[str, Any] = {"run": run, "preview": [], "problem": "", "mapping_errors": []}
    status, mistakes = 200, None
    try:
        rows = selectors.preview_draft(
            actor=request.user,
            run_id=run.pk,
            mapping=choices["mapping"],
            mode=choices["mode"],
            match_on=choices["match_on"],
        )
        context["preview"] = _preview_rows(run, rows)
    except ValidationFailed as error:
        status, mistakes = 422, error
        context["problem"] = error.message
        context["mapping_errors"] = [e.message(_language()) for e in error.errors]
    except FileRefused as refusal:
        status = 422
        context["problem"] = refusal.message(_language())
    except Conflict as error:
        status = 409
        context["problem"] = error.message
    if _is_htmx(request):
        # htmx swaps only 2xx answers by default: the problems are shown in place all the same
        return render(request, "transfer/_preview.html", context)
    # without JavaScript the whole mapping page comes back, the preview under the form
    page = {**_mapping_context(run, choices, mistakes), **context}
    return render(request, "transfer/mapping.html", page, status=status)


@require_POST
@_shows_errors
def import_discard(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """Forget a draft and its uploaded file."""
    run = selectors.import_run_for(actor=request.user, run_id=run_id)
    try:
        uploads.discard_draft(actor=request.user, run_id=run.pk)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("transfer:import_run", run_id=run.pk)
    messages.success(request, _("The upload “%(name)s” was discarded.") % {"name": run.file_name})
    return redirect("transfer:imports")


# ---- the run: progress, summary, error file, undo --------------------------------------------


def _progress(run: ImportRun) -> dict[str, Any]:
    """Rows done, of how many, and the pace so far."""
    percent = None
    if run.expected_rows:
        percent = min(100, round(100 * run.rows / run.expected_rows))
    rate = None
    if run.started_at and run.rows:
        seconds = ((run.finished_at or timezone.now()) - run.started_at).total_seconds()
        rate = round(run.rows / seconds) if seconds > 0 else None
    return {"percent": percent, "rate": rate}


def _run_context(run: ImportRun) -> dict[str, Any]:
    reading = run.options.get("reading") or {}
    # in the file's order (PostgreSQL's jsonb keeps no key order in the mapping)
    headers = run.options.get("headers") or list(run.mapping)
    left_out = list(dict.fromkeys(h for h in headers if not run.mapping.get(h)))
    return {
        "nav": "customers",
        "run": _labelled(run),
        "progress": _progress(run),
        "reading": reading,
        "repeated_headers": len(reading.get("repeated_headers") or []),
        "left_out": left_out,
        "brought": selectors.brought_quality(run),
        "mode_label": MODE_LABELS.get(run.options.get("mode", ""), ""),
        # a run stopped midway (failed) kept the batches it wrote: those can be undone too
        "may_undo": run.status in (ImportRun.COMPLETED, ImportRun.FAILED)
        and not run.options.get("dry_run"),
    }


@require_GET
@_shows_errors
def import_run(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """The run: its progress while it runs (htmx polls the report), then its summary."""
    run = selectors.import_run_for(actor=request.user, run_id=run_id)
    if run.status == ImportRun.DRAFT:
        return redirect("transfer:import_mapping", run_id=run.pk)
    name = "transfer/_run_report.html" if _is_htmx(request) else "transfer/run.html"
    response = render(request, name, _run_context(run))
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def import_errors(request: AuthenticatedRequest, run_id: int) -> HttpResponseBase:
    """The run's error file (CSV, in the reader's language), streamed; audited as an export."""
    try:
        selectors.import_run_for(actor=request.user, run_id=run_id)
        run, chunks = uploads.error_file_download(
            actor=request.user, run_id=run_id, language=_language()
        )
    except (NotFound, PermissionDenied) as error:
        context = {"error": error, "nav": "customers"}
        return render(request, "transfer/import_error.html", context, status=error.status)
    response = StreamingHttpResponse(chunks, content_type="text/csv; charset=utf-8")
    filename = f"import-{run.pk}-errors.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@_shows_errors
def import_undo(request: AuthenticatedRequest, run_id: int) -> HttpResponse:
    """Undo the run: remove what it created, restore what it changed; the outcome is shown."""
    run = selectors.import_run_for(actor=request.user, run_id=run_id)
    try:
        outcome = services.undo_import(actor=request.user, run_id=run.pk)
    except Conflict as error:
        messages.error(request, error.message)
        return redirect("transfer:import_run", run_id=run.pk)
    text = _("Import undone: %(removed)d customers removed, %(restored)d restored.") % {
        "removed": outcome.removed,
        "restored": outcome.restored,
    }
    kept = sum(outcome.kept.values())
    if kept:
        text += " " + _(
            "%(kept)d left as they are: changed, erased or removed by someone since."
        ) % {"kept": kept}
    messages.success(request, text)
    return redirect("transfer:import_run", run_id=run.pk)
