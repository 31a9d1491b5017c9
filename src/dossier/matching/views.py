"""Duplicate pages: the review queue (with the scan), one group side by side, merge, undo."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.core.errors import Conflict, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.customers.access import may
from dossier.matching import selectors
from dossier.matching.services.merging import merge_customers, undo_merge
from dossier.matching.services.scanning import SCAN_PERMISSION, dismiss_group, start_scan

_shows_errors = shows_errors("matching/error.html", nav="duplicates")


@require_GET
@_shows_errors
def review_queue(request: AuthenticatedRequest) -> HttpResponse:
    """Groups of likely duplicates to review, and the latest scan's progress."""
    groups = selectors.queue_items(actor=request.user)
    may_scan = may(request.user, SCAN_PERMISSION)
    context = {
        "nav": "duplicates",
        "groups": groups,
        "scan": selectors.latest_scan() if may_scan else None,
        "may_scan": may_scan,
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "matching/_scan.html", context)
    return render(request, "matching/queue.html", context)


@require_POST
@_shows_errors
def scan(request: AuthenticatedRequest) -> HttpResponse:
    """Start a scan in the background; the queue page shows its progress."""
    start_scan(actor=request.user)
    messages.success(request, _("The scan has started; groups appear here when it ends."))
    return redirect("matching:queue")


@require_GET
@_shows_errors
def group(request: AuthenticatedRequest, group_id: int) -> HttpResponse:
    """A group side by side: each field per customer, why they were paired, what to keep."""
    view = selectors.group_view(actor=request.user, group_id=group_id)
    return render(request, "matching/group.html", {"nav": "duplicates", "view": view})


@require_POST
@_shows_errors
def merge(request: AuthenticatedRequest, group_id: int) -> HttpResponse:
    """Merge the chosen customers of a group, each field's value as picked."""
    view = selectors.group_view(actor=request.user, group_id=group_id)
    chosen = request.POST.getlist("customers") or [c["id"] for c in view.customers]
    picks = {
        key.removeprefix("pick_"): value
        for key, value in request.POST.items()
        if key.startswith("pick_") and value
    }
    try:
        done = merge_customers(
            actor=request.user,
            customer_ids=chosen,
            survivor_id=request.POST.get("survivor") or None,
            rule="manual" if picks else request.POST.get("rule", "complete"),
            picks=picks,
        )
    except (ValidationFailed, Conflict) as error:
        messages.error(request, _("Not merged: %(reason)s") % {"reason": error.message})
        details = [e.message(get_language() or "zh-hans") for e in error.errors]
        context = {"nav": "duplicates", "view": view, "error": error, "details": details}
        return render(request, "matching/group.html", context, status=error.status)
    messages.success(request, _("Merged. You can undo it from this page."))
    return redirect("matching:merge", merge_id=done.pk)


@require_POST
@_shows_errors
def dismiss(request: AuthenticatedRequest, group_id: int) -> HttpResponse:
    """Not duplicates: the group leaves the queue for good."""
    dismiss_group(actor=request.user, group_id=group_id)
    messages.success(request, _("Marked as different customers."))
    return redirect("matching:queue")


@require_GET
@_shows_errors
def merge_detail(request: AuthenticatedRequest, merge_id: int) -> HttpResponse:
    """A merge: the survivor, the merged customers, the undo button."""
    done = selectors.merge_for(actor=request.user, merge_id=merge_id)
    return render(request, "matching/merge.html", {"nav": "duplicates", "merge": done})


@require_POST
@_shows_errors
def undo(request: AuthenticatedRequest, merge_id: int) -> HttpResponse:
    """Undo a merge; refused with the reason once a record changed after it."""
    try:
        undo_merge(actor=request.user, merge_id=merge_id)
    except Conflict as error:
        messages.error(request, str(error.message))
        return redirect("matching:merge", merge_id=merge_id)
    messages.success(request, _("The merge was undone: every record is back as it was."))
    return redirect("matching:merge", merge_id=merge_id)
