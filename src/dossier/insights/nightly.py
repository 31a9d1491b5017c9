"""The insights' nightly job: scores, segment sizes, rule-kept tags, product affinities."""

from __future__ import annotations

from dossier.insights.models import ScoreRefresh
from dossier.insights.recommendations import refresh_affinities
from dossier.insights.scoring import refresh_if_due
from dossier.insights.services import recount_segments
from dossier.insights.tag_rules import apply_tag_rules


def run_nightly() -> ScoreRefresh | None:
    """Refresh the scores when a day has passed; then recount segments, apply tag rules
    (which may test the new scores) and count co-purchases again. Nothing when fresh."""
    refreshed = refresh_if_due()
    if refreshed is not None:
        recount_segments()
        apply_tag_rules()
        refresh_affinities()
    return refreshed
