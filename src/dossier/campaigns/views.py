"""Campaign pages: the list (and a new campaign), one campaign with its members.

Analysts see campaigns and their counts only; the members show to those who may see them,
each reader the members they may see, named as masked for them.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.campaigns import membership, selectors, services
from dossier.campaigns.models import CHANNEL_CHOICES, Campaign, CampaignMember
from dossier.consent.selectors import purpose_list
from dossier.core.errors import ApplicationError, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_number, query_text, shows_errors
from dossier.customers.access import may
from dossier.customers.selectors import tag_list

_shows_errors = shows_errors("campaigns/error.html", nav="campaigns")
FORM_FIELDS = ("name", "channel", "purpose", "description", "starts_at", "ends_at")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def _message(error: ApplicationError) -> str:
    language = get_language() or "zh-hans"
    details = [err.message(language) for err in error.errors]
    return " ".join([str(error.message), *details]) if details else str(error.message)


def _list_context(request: AuthenticatedRequest, **more: Any) -> dict[str, Any]:
    status = query_text(request, "status", limit=16)
    page = selectors.campaign_list(
        actor=request.user,
        status=status if status in Campaign.Status.values else "",
        cursor=query_number(request, "cursor"),
    )
    return {
        "nav": "campaigns",
        "page": page,
        "statuses": Campaign.Status.choices,
        "status": status,
        "channels": CHANNEL_CHOICES,
        "purposes": [p for p in purpose_list() if p.per_channel],
        "form": {"purpose": "marketing"},
        "errors": {},
        **more,
    }


@require_GET
@_shows_errors
def campaign_list(request: AuthenticatedRequest) -> HttpResponse:
    """Campaigns with their counts, and (for who may) a form for a new one."""
    return render(request, "campaigns/list.html", _list_context(request))


@require_POST
@_shows_errors
def create(request: AuthenticatedRequest) -> HttpResponse:
    """A new draft campaign from the list page's form."""
    form = {key: str(request.POST.get(key, "")) for key in FORM_FIELDS}
    try:
        campaign = services.create_campaign(
            actor=request.user,
            name=form["name"],
            channel=form["channel"],
            purpose=form["purpose"],
            description=form["description"],
            starts_at=form["starts_at"] or None,
            ends_at=form["ends_at"] or None,
        )
    except ValidationFailed as error:
        language = get_language() or "zh-hans"
        errors = {err.field: err.message(language) for err in error.errors}
        context = _list_context(request, form=form, errors=errors, problem=str(error.message))
        return render(request, "campaigns/list.html", context, status=422)
    messages.success(request, _("Campaign created."))
    return redirect("campaigns:detail", campaign_id=campaign.pk)


@require_GET
@_shows_errors
def detail(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    """One campaign: its counts; its members (to who may see them) and how to add more."""
    campaign = selectors.get_campaign(actor=request.user, campaign_id=campaign_id)
    members = None
    if selectors.may_see_members(request.user):
        members = selectors.member_list(
            actor=request.user,
            campaign_id=campaign_id,
            status=query_text(request, "status", limit=16),
            cursor=query_number(request, "cursor"),
        )
    may_add = may(request.user, "campaigns.add_campaignmember")
    context = {
        "nav": "campaigns",
        "campaign": campaign,
        "members": members,
        "member_statuses": CampaignMember.Status.choices,
        "tags": list(tag_list(actor=request.user)) if may_add else [],
        "may_add": may_add and campaign["status"] != Campaign.Status.FINISHED,
        "may_change": may(request.user, "campaigns.change_campaign"),
        "may_mark": may(request.user, "campaigns.change_campaignmember")
        and campaign["status"] != Campaign.Status.DRAFT,
        "next_status": services.NEXT_STATUS[Campaign.Status(campaign["status"])],
        "labels": {
            "status": Campaign.Status(campaign["status"]).label,
            "channel": dict(CHANNEL_CHOICES).get(campaign["channel"], campaign["channel"]),
            "purpose": next(
                (p.name for p in purpose_list() if p.key == campaign["purpose"]),
                campaign["purpose"],
            ),
        },
    }
    return render(request, "campaigns/detail.html", context)


@require_POST
@_shows_errors
def add_members(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    """Add a tag's customers; the page then says how many were added and who was left out."""
    try:
        report = membership.add_members(
            actor=request.user,
            campaign_id=campaign_id,
            tag_id=str(request.POST.get("tag_id", ""))[:20],
        )
    except ValidationFailed as error:
        messages.error(request, _message(error))
        return redirect("campaigns:detail", campaign_id=campaign_id)
    except ApplicationError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, _message(error))
        return redirect("campaigns:detail", campaign_id=campaign_id)
    messages.success(
        request,
        ngettext("%(n)d customer added.", "%(n)d customers added.", report.added)
        % {"n": report.added},
    )
    reasons = {
        membership.NO_CONSENT: _("without consent for this channel and purpose"),
        membership.RESTRICTED: _("restricted or objecting to marketing"),
        membership.ERASED: _("whose personal data was erased"),
        membership.NOT_FOUND: _("not found"),
    }
    for reason, label in reasons.items():
        if report.skipped[reason]:
            messages.warning(
                request,
                _("Left out: %(n)d %(why)s.") % {"n": report.skipped[reason], "why": label},
            )
    return redirect("campaigns:detail", campaign_id=campaign_id)


@require_POST
@_shows_errors
def change_status(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    """Start or finish the campaign."""
    try:
        services.update_campaign(
            actor=request.user,
            campaign_id=campaign_id,
            changes={"status": str(request.POST.get("status", ""))[:16]},
        )
    except ValidationFailed as error:
        messages.error(request, _message(error))
    return redirect("campaigns:detail", campaign_id=campaign_id)


@require_POST
@_shows_errors
def member_status(
    request: AuthenticatedRequest, campaign_id: int, customer_id: Any
) -> HttpResponse:
    """A member responded or converted (the row's status menu, with htmx)."""
    problem = ""
    try:
        membership.change_member_status(
            actor=request.user,
            campaign_id=campaign_id,
            customer_id=customer_id,
            status=str(request.POST.get("status", ""))[:16],
            order_ref=str(request.POST.get("order_ref", ""))[:64],
        )
    except ApplicationError as error:
        if error.status in (403, 404):
            raise
        problem = _message(error)
    if not _is_htmx(request):
        if problem:
            messages.error(request, problem)
        return redirect("campaigns:detail", campaign_id=campaign_id)
    page = selectors.member_list(
        actor=request.user, campaign_id=campaign_id, customer_id=customer_id, limit=1
    )
    context = {
        "member": page.items[0],
        "campaign": {"id": campaign_id},
        "member_statuses": CampaignMember.Status.choices,
        "may_mark": True,
        "problem": problem,
    }
    # the page swaps a 200 only: a refusal comes back as the row with its message
    return render(request, "campaigns/_member_row.html", context)
