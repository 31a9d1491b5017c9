"""The loyalty programme's pages: its settings, tiers and coupon campaigns (the API's twin)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dossier.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from dossier.core.pages import AuthenticatedRequest, shows_errors
from dossier.loyalty import selectors
from dossier.loyalty.models import CouponCampaign
from dossier.loyalty.services.coupons import create_coupon_campaign
from dossier.loyalty.services.programme import set_tiers, update_programme

#: tier rows the form offers (filled ones are kept, blank ones dropped)
TIER_ROWS = 8

_shows_errors = shows_errors("loyalty/error.html", nav="loyalty")


def _or_none(read: Any, **kwargs: Any) -> Any:
    """What a selector answers, or None for those who may not see it (the card is left out)."""
    try:
        return read(**kwargs)
    except PermissionDenied:
        return None


@require_GET
@_shows_errors
def programme_page(request: AuthenticatedRequest) -> HttpResponse:
    """The programme's settings, its tiers and the coupon campaigns, as the role may see."""
    actor = request.user
    programme = _or_none(selectors.programme_settings, actor=actor)
    tiers = _or_none(selectors.tiers, actor=actor)
    campaigns = _or_none(selectors.coupon_campaigns, actor=actor)
    if programme is None and tiers is None and campaigns is None:
        raise PermissionDenied(_("You may not see the loyalty programme."))
    rows = [*(tiers or [])]
    context = {
        "nav": "loyalty",
        "programme": programme,
        "tiers": tiers,
        "tier_rows": rows + [None] * max(0, TIER_ROWS - len(rows)),
        "campaigns": campaigns,
        "kinds": CouponCampaign.Kind.choices,
        "may_change_programme": actor.has_perm("loyalty.change_programme"),
        "may_change_tiers": actor.has_perm("loyalty.change_tier"),
        "may_add_campaign": actor.has_perm("loyalty.add_couponcampaign"),
    }
    return render(request, "loyalty/programme.html", context)


def _say(request: AuthenticatedRequest, error: ApplicationError) -> None:
    """A refused change as a message naming each field and its reason."""
    language = get_language() or "zh-hans"
    details = [e.message(language) for e in getattr(error, "errors", [])]
    messages.error(request, " ".join([str(error), *details]))


def _whole_number(text: str) -> int | str:
    # the service names a value that is not a whole number; the page only reads digits
    return int(text) if text.strip().isdecimal() else text


def _day_start(text: str) -> datetime | str | None:
    if not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return text  # refused by the service, naming the field
    return timezone.make_aware(datetime.combine(day, time.min))


@require_POST
@_shows_errors
def programme_update(request: AuthenticatedRequest) -> HttpResponse:
    """Switch the programme on or off and change how orders earn points."""
    post = request.POST
    changes = {
        "active": post.get("active") == "1",
        "points_per_unit": post.get("points_per_unit", "").strip()[:20],
        "validity_months": _whole_number(post.get("validity_months", "")[:6]),
        "earn_from": _day_start(post.get("earn_from", "")[:10]),
    }
    try:
        update_programme(actor=request.user, changes=changes)
    except ValidationFailed as error:
        _say(request, error)
    else:
        messages.success(request, _("The programme is saved."))
    return redirect("loyalty:programme")


@require_POST
@_shows_errors
def tiers_update(request: AuthenticatedRequest) -> HttpResponse:
    """Replace the tiers with the rows filled in (a blank row is dropped)."""
    rows = []
    for n in range(TIER_ROWS):
        name = request.POST.get(f"tier-{n}-name", "").strip()[:60]
        points = request.POST.get(f"tier-{n}-min_points", "").strip()[:12]
        if name or points:
            rows.append({"name": name, "min_points": _whole_number(points)})
    try:
        set_tiers(actor=request.user, tiers=rows)
    except ValidationFailed as error:
        _say(request, error)
    else:
        messages.success(request, _("The tiers are saved."))
    return redirect("loyalty:programme")


@require_POST
@_shows_errors
def campaign_create(request: AuthenticatedRequest) -> HttpResponse:
    """A new coupon campaign from the form (every field checked by the service)."""
    post = request.POST
    try:
        campaign = create_coupon_campaign(
            actor=request.user,
            name=post.get("name", "")[:300],
            kind=post.get("kind", "")[:16],
            value=post.get("value", "")[:30],
            min_spend=post.get("min_spend", "")[:30] or "0",
            valid_from=post.get("valid_from", "")[:40],
            valid_until=post.get("valid_until", "")[:40],
        )
    except ValidationFailed as error:
        _say(request, error)
    else:
        messages.success(
            request, _("Coupon campaign “%(name)s” created.") % {"name": campaign.name}
        )
    return redirect("loyalty:programme")
