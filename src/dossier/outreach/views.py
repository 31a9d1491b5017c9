"""Update campaign pages: the list with a form for a new one (from a segment), one campaign's
funnel and recipients, and its send and close buttons."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.consent.selectors import purpose_list
from dossier.core.errors import ApplicationError, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, query_text, shows_errors
from dossier.customers.access import may
from dossier.insights.selectors import visible_segments
from dossier.outreach import selectors, services
from dossier.outreach.models import CHANNEL_CHOICES, UpdateCampaign, UpdateRecipient

_shows_errors = shows_errors("outreach/error.html", nav="outreach")
FORM_FIELDS = ("name", "channel", "purpose", "segment_id", "window_days", "remind_after_days")


def _list_context(request: AuthenticatedRequest, **more: Any) -> dict[str, Any]:
    may_add = may(request.user, selectors.ADD)
    return {
        "nav": "outreach",
        "rows": selectors.campaign_list(actor=request.user),
        "may_add": may_add,
        "channels": CHANNEL_CHOICES,
        "purposes": [p for p in purpose_list() if p.per_channel],
        "segments": list(visible_segments(request.user)[:500]) if may_add else [],
        "form": {
            "purpose": services.DEFAULT_PURPOSE,
            "window_days": services.DEFAULT_WINDOW,
            "remind_after_days": 5,
        },
        "errors": {},
        **more,
    }


@require_GET
@_shows_errors
def campaign_list(request: AuthenticatedRequest) -> HttpResponse:
    """The update campaigns the user sees, with their funnels."""
    return render(request, "outreach/list.html", _list_context(request))


@require_POST
@_shows_errors
def create(request: AuthenticatedRequest) -> HttpResponse:
    """A new draft campaign for a segment's customers."""
    form = {key: str(request.POST.get(key, ""))[:200] for key in FORM_FIELDS}
    try:
        campaign, report = services.create_campaign(
            actor=request.user,
            name=form["name"],
            channel=form["channel"],
            purpose=form["purpose"] or services.DEFAULT_PURPOSE,
            segment_id=form["segment_id"] or None,
            customer_ids=None,
            window_days=form["window_days"],
            remind_after_days=form["remind_after_days"] or None,
        )
    except ValidationFailed as error:
        language = get_language() or "zh-hans"
        errors = {err.field: err.message(language) for err in error.errors}
        context = _list_context(request, form=form, errors=errors, problem=str(error.message))
        return render(request, "outreach/list.html", context, status=422)
    messages.success(
        request, _("Update campaign created for %(count)d customers.") % {"count": report.added}
    )
    return redirect("outreach:detail", campaign_id=campaign.pk)


@require_GET
@_shows_errors
def detail(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    """One campaign: the funnel sent → opened → updated → no answer, and its recipients."""
    campaign = selectors.campaign_for(request.user, campaign_id)
    state = query_text(request, "state", limit=16)
    funnel = selectors.funnels([campaign.pk]).get(campaign.pk, selectors.Funnel())
    may_change = may(request.user, selectors.CHANGE)
    context = {
        "nav": "outreach",
        "campaign": campaign,
        "funnel": funnel,
        "steps": [
            (_("sent"), funnel.sent, 100 if funnel.sent else 0),
            (_("opened"), funnel.opened, funnel.share(funnel.opened)),
            (_("updated"), funnel.updated, funnel.share(funnel.updated)),
            (_("no answer"), funnel.no_answer, funnel.share(funnel.no_answer)),
        ],
        "recipients": selectors.recipient_list(actor=request.user, campaign=campaign, state=state),
        "states": UpdateRecipient.State.choices,
        "state": state,
        "may_send": may_change
        and services.may_send(request.user)
        and campaign.state == UpdateCampaign.State.DRAFT,
        "may_close": may_change
        and campaign.state in (UpdateCampaign.State.DRAFT, UpdateCampaign.State.SENT),
    }
    return render(request, "outreach/detail.html", context)


def _act(request: AuthenticatedRequest, campaign_id: int, action: str) -> HttpResponse:
    try:
        if action == "send":
            services.send_campaign(actor=request.user, campaign_id=campaign_id)
            messages.success(request, _("The campaign is being sent."))
        else:
            services.close_campaign(actor=request.user, campaign_id=campaign_id)
            messages.success(request, _("The campaign is closed."))
    except ApplicationError as error:
        if error.status in (403, 404):
            raise
        messages.error(request, str(error.message))
    return redirect("outreach:detail", campaign_id=campaign_id)


@require_POST
@_shows_errors
def send(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    """Send the campaign's links (managers and administrators)."""
    return _act(request, campaign_id, "send")


@require_POST
@_shows_errors
def close(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    """Close the campaign: who has not updated is "no answer"."""
    return _act(request, campaign_id, "close")
