"""Role-matrix rows of the insights app (collected by site/tests/test_role_matrix.py).

Calls about one segment are about a fresh one of the east sales user, shared with the team.
"""

from __future__ import annotations

from typing import Any

from dossier.insights.models import Segment
from dossier.insights.services import create_segment
from dossier.site.tests.matrix_fixtures import World

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
}  # fmt: skip

API_CALLS: dict[str, Any] = {
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
