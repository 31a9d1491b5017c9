"""Segment pages: the list, the editor with its live count, one more condition row."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dossier.accounts.models import Team
from dossier.consent.selectors import purpose_list
from dossier.core.errors import ApplicationError, NotFound, ValidationFailed
from dossier.core.pages import (
    AuthenticatedRequest,
    query_date,
    query_number,
    query_text,
    shows_errors,
)
from dossier.customers.access import may
from dossier.customers.selectors import tag_list
from dossier.insights import editor, reports, selectors, services
from dossier.insights.models import Segment
from dossier.insights.rules import ATTRIBUTE_OPS, ATTRIBUTE_PREFIX, FIELDS
from dossier.templates.selectors import template_list

_shows_errors = shows_errors("insights/error.html", nav="segments")
SOURCE_ORDER = ("customer", "tags", "figures", "window", "score", "consent", "identifier")


def _language() -> str:
    return get_language() or "zh-hans"


SOURCE_LABELS = {
    "customer": ("Profile", "基本资料"),
    "tags": ("Tags", "标签"),
    "figures": ("Figures", "客户指标"),
    "window": ("Activity in a period", "一段时间内的行为"),
    "score": ("Scores", "评分"),
    "consent": ("Consent", "授权同意"),
    "identifier": ("Exact contact", "精确联系方式"),
}
OP_LABELS = {
    "eq": ("is", "等于"),
    "ne": ("is not", "不等于"),
    "in": ("is one of", "属于"),
    "not_in": ("is none of", "不属于"),
    "empty": ("is empty", "为空"),
    "not_empty": ("is filled in", "不为空"),
    "contains": ("contains", "包含"),
    "gt": ("more than", "大于"),
    "gte": ("at least", "至少"),
    "lt": ("less than", "小于"),
    "lte": ("at most", "至多"),
    "between": ("between (a, b)", "介于（a, b）"),
    "within_days": ("within the last N days", "最近 N 天内"),
    "not_within_days": ("not within the last N days", "最近 N 天内没有"),
    "before": ("before (date)", "早于（日期）"),
    "after": ("after (date)", "晚于（日期）"),
    "birthday_within_days": ("birthday in the next N days", "未来 N 天内生日"),
    "age_between": ("age between (a, b)", "年龄介于（a, b）"),
    "has_any": ("has any of", "含任一"),
    "has_all": ("has all of", "全部含有"),
    "has_none": ("has none of", "都不含"),
    "granted": ("granted", "已同意"),
    "not_granted": ("not granted", "未同意"),
}
PARAM_LABELS = {
    "metric": ("Measure", "度量"),
    "within_days": ("Within the last days", "最近天数"),
    "category": ("Category", "品类"),
    "sku": ("SKU", "商品编码"),
    "channel": ("Channel", "渠道"),
    "purpose": ("Purpose", "用途"),
}


def _words(pair: tuple[str, str]) -> str:
    return pair[1] if _language().lower().startswith("zh") else pair[0]


def _field_choices() -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The editor's field menu, grouped by source."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for spec in FIELDS.values():
        groups.setdefault(spec.source, []).append((spec.key, spec.label.label(_language())))
    return [(s, _words(SOURCE_LABELS[s]), groups[s]) for s in SOURCE_ORDER if s in groups]


def _row_context(row: editor.Row, index: int) -> dict[str, Any]:
    spec = row.spec
    ops: tuple[str, ...] = spec.ops if spec else ()
    if row.field.startswith(ATTRIBUTE_PREFIX):
        ops = ATTRIBUTE_OPS
    params = spec.params if spec else ()
    chosen = {int(v) for v in row.value.replace(" ", "").split(",") if v.isdigit()}
    return {
        "row": row,
        "index": index,
        "ops": [(op, _words(OP_LABELS[op])) for op in ops],
        "param_values": [(p, _words(PARAM_LABELS[p]), row.params.get(p, "")) for p in params],
        "chosen_tags": chosen,
        "field_groups": _field_choices(),
    }


def _tags(request: AuthenticatedRequest) -> Any:
    """The tags a condition may name: those the user may see (none for analysts)."""
    return tag_list(actor=request.user) if may(request.user, "customers.view_tag") else []


def _problem(error: ApplicationError) -> dict[str, Any]:
    language = _language()
    return {"message": str(error.message), "details": [e.message(language) for e in error.errors]}


def _editor_context(
    request: AuthenticatedRequest, form: editor.EditorForm, segment: Segment | None, **more: Any
) -> dict[str, Any]:
    return {
        "nav": "segments",
        "segment": segment,
        "form": form,
        "rows": [_row_context(row, i) for i, row in enumerate(form.rows)],
        "visibilities": Segment.Visibility.choices,
        "tags": _tags(request),
        "purposes": purpose_list(),
        "may_change": segment is None or selectors.may_change_segment(request.user, segment),
        "may_export": may(request.user, "customers.export_customer")
        and not selectors.aggregates_only(request.user),
        **more,
    }


@require_GET
@_shows_errors
def segment_list(request: AuthenticatedRequest) -> HttpResponse:
    """The segments the user may see, with their sizes at the last nightly count."""
    rows = selectors.segment_rows(actor=request.user)
    return render(request, "insights/segments.html", {"nav": "segments", "segments": rows})


@require_http_methods(["GET", "POST"])
@_shows_errors
def edit(request: AuthenticatedRequest, segment_id: int | None = None) -> HttpResponse:
    """A new segment, or a saved one, in the editor; saving goes through the services."""
    selectors.checked_may_use(request.user)
    segment = (
        selectors.get_segment(actor=request.user, segment_id=segment_id) if segment_id else None
    )
    if request.method == "GET":
        form = editor.form_of(segment.rules) if segment else editor.EditorForm(rows=[editor.Row()])
        details = (
            {
                "name": segment.name,
                "description": segment.description,
                "visibility": segment.visibility,
            }
            if segment
            else {"visibility": "team"}
        )
        return render(
            request,
            "insights/editor.html",
            _editor_context(request, form, segment, details=details),
        )
    form = editor.read_form(request.POST)
    details = {k: str(request.POST.get(k, "")) for k in ("name", "description", "visibility")}
    try:
        if segment is None:
            segment = services.create_segment(
                actor=request.user, rules=editor.rules_of(form), **details
            )
        else:
            services.update_segment(
                actor=request.user, segment_id=segment.pk, rules=editor.rules_of(form), **details
            )
    except ValidationFailed as error:
        context = _editor_context(request, form, segment, details=details, problem=_problem(error))
        return render(request, "insights/editor.html", context, status=422)
    messages.success(request, _("Segment “%(name)s” saved.") % {"name": segment.name})
    return redirect("insights:edit", segment_id=segment.pk)


@require_POST
def count(request: AuthenticatedRequest) -> HttpResponse:
    """The live count of the editor's rules (an htmx fragment)."""
    form = editor.read_form(request.POST)
    try:
        counted = selectors.count_rules(actor=request.user, rules=editor.rules_of(form))
    except ApplicationError as error:
        return render(request, "insights/_count.html", {"problem": _problem(error)})
    return render(request, "insights/_count.html", {"counted": counted.as_dict()})


@require_http_methods(["GET", "POST"])
@_shows_errors
def row(request: AuthenticatedRequest) -> HttpResponse:
    """One condition row (an htmx fragment): re-drawn for the field chosen (GET, ``index``),
    or a new one after the form's last (POST, the whole form)."""
    selectors.checked_may_use(request.user)
    if request.method == "POST":
        taken = editor.row_indexes(request.POST)
        if len(taken) >= editor.MAX_ROWS:
            return HttpResponse(status=204)
        index = (max(taken) + 1) if taken else 0
        new = editor.Row()
    else:
        try:
            index = int(str(request.GET.get("index", "0")))
        except ValueError:
            index = 0
        index = max(0, min(index, 10**6))
        name = str(request.GET.get(f"r{index}-field", ""))[:80]
        if name not in FIELDS:
            name = "order_count"
        new = editor.Row(field=name, op=FIELDS[name].ops[0])
    context = {
        **_row_context(new, index),
        "position": index + 1,
        "tags": _tags(request),
        "purposes": purpose_list(),
    }
    response = render(request, "insights/_row.html", context)
    response["HX-Trigger-After-Settle"] = "segment-recount"
    return response


@require_POST
@_shows_errors
def delete(request: AuthenticatedRequest, segment_id: int) -> HttpResponse:
    services.delete_segment(actor=request.user, segment_id=segment_id)
    messages.success(request, _("Segment deleted."))
    return redirect("insights:segments")


def _report_filters(request: AuthenticatedRequest) -> reports.ReportFilters:
    team = query_number(request, "team")
    return reports.ReportFilters(
        template=query_text(request, "template", limit=64),
        team_id=team,
        start=query_date(request, "start"),
        end=query_date(request, "end"),
    )


@require_GET
@_shows_errors
def report_page(request: AuthenticatedRequest) -> HttpResponse:
    """The reports: each a chart (Apache ECharts) over a table that works without it."""
    filters = _report_filters(request)
    found = reports.reports(actor=request.user, filters=filters, language=_language())
    start, end = filters.period(timezone.localdate())
    context = {
        "nav": "reports",
        "reports": found,
        "charts": [
            {
                "key": r.key,
                "kind": r.chart,
                "columns": r.columns,
                "rows": r.rows,
                "axes": r.axes,
                "series": r.series,
                "title": r.title,
            }
            for r in found
        ],
        "filters": filters,
        "start": start,
        "end": end,
        "templates": template_list(actor=request.user),
        "teams": Team.objects.order_by("name"),
        "query": request.GET.urlencode(),
    }
    return render(request, "insights/reports.html", context)


@require_GET
@_shows_errors
def report_csv(request: AuthenticatedRequest, key: str) -> HttpResponse:
    """One report's table as CSV (UTF-8 with BOM, which Excel and WPS open as such)."""
    if key not in reports.REPORTS:
        raise NotFound(_("No such report."))
    found = reports.reports(
        actor=request.user, filters=_report_filters(request), language=_language(), only=key
    )[0]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dossier-{key}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(found.columns)
    for row in found.rows:
        writer.writerow(["< 5" if value is None else value for value in row])
    return response
