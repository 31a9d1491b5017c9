"""Role-matrix rows of the insights app (collected by site/tests/test_role_matrix.py).

Calls about one segment are about a fresh one of the east sales user, shared with the team.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.insights.models import GradeThresholds, Segment
from dossier.insights.services import create_segment
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
RULES = {"field": "order_count", "op": "gte", "value": 0}


def segment(world: World, actor: str) -> Segment:
    """A segment of the east sales user, shared with east."""
    return create_segment(actor=world.users["sales"], name="matrix", rules=RULES, visibility="team")


# admin, manager, sales, service, marketing, analyst, outsider
API: dict[str, tuple[str, ...]] = {
    # every role builds and counts segments (analysts: counts over everyone, small ones hidden)
    "GET /insights/segments":                          (OK, OK, OK, OK, OK, OK, OK),
    "GET /insights/segments/fields":                   (OK, OK, OK, OK, OK, OK, OK),
    "POST /insights/segments/count":                   (OK, OK, OK, OK, OK, OK, OK),
    "POST /insights/segments":                         (OK, OK, OK, OK, OK, OK, OK),
    # a team's segment: seen by the team, changed by its owner, their manager, administrators
    "GET /insights/segments/{segment_id}":             (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "PATCH /insights/segments/{segment_id}":           (OK, OK, OK, DENIED, DENIED, UNSEEN, UNSEEN),
    "DELETE /insights/segments/{segment_id}":          (OK, OK, OK, DENIED, DENIED, UNSEEN, UNSEEN),
    "GET /insights/segments/{segment_id}/count":       (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "GET /insights/segments/{segment_id}/customers":   (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    # tag rules: who may edit tags, on segments they see (the outsider's own segment)
    "GET /insights/tag-rules":                         (OK, OK, OK, OK, OK, OK, OK),
    "POST /insights/tag-rules":                        (OK, OK, DENIED, DENIED, OK, DENIED, DENIED),
    "DELETE /insights/tag-rules/{rule_id}":            (OK, OK, DENIED, DENIED, OK, DENIED, DENIED),
    # a segment into a campaign: who adds campaign members, of a segment they see
    "POST /insights/segments/{segment_id}/campaigns/{campaign_id}": (OK, OK, DENIED, DENIED, OK, UNSEEN, UNSEEN),  # noqa: E501
    # a segment's coupons: who runs coupon campaigns, of a segment they see
    "POST /insights/segments/{segment_id}/coupon-campaigns/{campaign_id}": (OK, OK, DENIED, DENIED, OK, UNSEEN, UNSEEN),  # noqa: E501
    # a customer's recommendations: whoever may see the customer
    "GET /insights/customers/{customer_id}/recommendations": (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    # grade thresholds: administrators and managers only
    "GET /insights/grade-thresholds":                  (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "PUT /insights/grade-thresholds/{scenario}":       (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "DELETE /insights/grade-thresholds/{scenario}":    (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
}  # fmt: skip


def _tag_rule_body(world: World, actor: str) -> dict[str, int]:
    return {"segment_id": segment(world, actor).pk, "tag_id": world.fresh_tag().pk}


def _tag_rule(world: World, actor: str) -> Any:
    from dossier.insights.tag_rules import create_tag_rule

    return create_tag_rule(actor=world.users["admin"], **_tag_rule_body(world, actor))


def _campaign(world: World) -> Any:
    from dossier.campaigns.services import create_campaign

    return create_campaign(actor=world.users["admin"], name="matrix", channel="sms")


def _coupons(world: World) -> Any:
    from dossier.loyalty.tests.matrix import _campaign

    return _campaign(world)


THRESHOLDS = {g: {"spend": v, "value": v} for g, v in (("A", 300), ("B", 200), ("C", 100))}
THRESHOLD_FORM = {f"{g}-{m}": str(v) for g, v in (("A", 300), ("B", 200), ("C", 100))
                  for m in ("spend", "value")}  # fmt: skip

API_CALLS: dict[str, Any] = {
    "GET /insights/grade-thresholds": lambda w, a: ("/insights/grade-thresholds", None),
    "PUT /insights/grade-thresholds/{scenario}": lambda w, a: (
        "/insights/grade-thresholds/sales",
        THRESHOLDS,
    ),
    "DELETE /insights/grade-thresholds/{scenario}": lambda w, a: (
        "/insights/grade-thresholds/sales",
        None,
    ),
    "POST /insights/segments/{segment_id}/coupon-campaigns/{campaign_id}": lambda w, a: (
        f"/insights/segments/{segment(w, a).pk}/coupon-campaigns/{_coupons(w).pk}",
        {},
    ),
    "POST /insights/segments/{segment_id}/campaigns/{campaign_id}": lambda w, a: (
        f"/insights/segments/{segment(w, a).pk}/campaigns/{_campaign(w).pk}",
        {},
    ),
    "GET /insights/customers/{customer_id}/recommendations": lambda w, a: (
        f"/insights/customers/{w.target(a).pk}/recommendations",
        None,
    ),
    "GET /insights/tag-rules": lambda w, a: ("/insights/tag-rules", None),
    "POST /insights/tag-rules": lambda w, a: ("/insights/tag-rules", _tag_rule_body(w, a)),
    "DELETE /insights/tag-rules/{rule_id}": lambda w, a: (
        f"/insights/tag-rules/{_tag_rule(w, a).pk}",
        None,
    ),
    "GET /insights/segments": lambda w, a: ("/insights/segments", None),
    "GET /insights/segments/fields": lambda w, a: ("/insights/segments/fields", None),
    "POST /insights/segments/count": lambda w, a: ("/insights/segments/count", {"rules": RULES}),
    "POST /insights/segments": lambda w, a: ("/insights/segments", {"name": "x", "rules": RULES}),
    "GET /insights/segments/{segment_id}": lambda w, a: (
        f"/insights/segments/{segment(w, a).pk}",
        None,
    ),
    "PATCH /insights/segments/{segment_id}": lambda w, a: (
        f"/insights/segments/{segment(w, a).pk}",
        {"name": "renamed"},
    ),
    "DELETE /insights/segments/{segment_id}": lambda w, a: (
        f"/insights/segments/{segment(w, a).pk}",
        None,
    ),
    "GET /insights/segments/{segment_id}/count": lambda w, a: (
        f"/insights/segments/{segment(w, a).pk}/count",
        None,
    ),
    "GET /insights/segments/{segment_id}/customers": lambda w, a: (
        f"/insights/segments/{segment(w, a).pk}/customers",
        None,
    ),
}


PAGE_NAMESPACES = ("insights",)
LOGIN, REDIRECT, PAGE = "login", "302", "200"
FORM = {"name": "matrix page", "visibility": "team", "match": "all", "r0-field": "order_count",
        "r0-op": "gte", "r0-value": "0"}  # fmt: skip


def _saved(name: str) -> Any:
    return lambda: Segment.objects.filter(name=name).exists()


def _save_page(world: World, actor: str) -> PageCall:
    made = segment(world, actor)
    return PageCall(
        reverse("insights:edit", args=[made.pk]),
        {**FORM, "name": f"renamed {made.pk}"},
        _saved(f"renamed {made.pk}"),
    )


def _delete_page(world: World, actor: str) -> PageCall:
    made = segment(world, actor)
    return PageCall(
        reverse("insights:delete", args=[made.pk]),
        {},
        lambda: not Segment.objects.filter(pk=made.pk).exists(),
    )


# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "GET insights:segments": (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET insights:new":      (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "POST insights:new":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # noqa: E501
    "POST insights:count":   (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET insights:row":      (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "POST insights:row":     (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET insights:edit":     (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
    "POST insights:edit":    (LOGIN, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, UNSEEN, UNSEEN),
    "POST insights:delete":  (LOGIN, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, UNSEEN, UNSEEN),
    # the reports: administrators, managers (their reach), analysts (small groups hidden)
    "GET insights:reports":  (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, PAGE, DENIED),
    "GET insights:report_csv": (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, PAGE, DENIED),
    # grade thresholds: administrators and managers see and change them
    "GET insights:thresholds": (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST insights:threshold_update": (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET insights:segments": lambda w, a: PageCall(reverse("insights:segments")),
    "GET insights:new": lambda w, a: PageCall(reverse("insights:new")),
    "POST insights:new": lambda w, a: PageCall(
        reverse("insights:new"), {**FORM, "name": f"new by {a}"}, _saved(f"new by {a}")
    ),
    "POST insights:count": lambda w, a: PageCall(reverse("insights:count"), FORM),
    "GET insights:row": lambda w, a: PageCall(reverse("insights:row") + "?index=2&r2-field=city"),
    "POST insights:row": lambda w, a: PageCall(reverse("insights:row"), FORM),
    "GET insights:edit": lambda w, a: PageCall(reverse("insights:edit", args=[segment(w, a).pk])),
    "POST insights:edit": _save_page,
    "POST insights:delete": _delete_page,
    "GET insights:reports": lambda w, a: PageCall(reverse("insights:reports")),
    "GET insights:report_csv": lambda w, a: PageCall(
        reverse("insights:report_csv", args=["grades"])
    ),
    "GET insights:thresholds": lambda w, a: PageCall(reverse("insights:thresholds")),
    "POST insights:threshold_update": lambda w, a: PageCall(
        reverse("insights:threshold_update", args=["sales"]),
        THRESHOLD_FORM,
        lambda: GradeThresholds.objects.filter(scenario="sales").exists(),
    ),
}
