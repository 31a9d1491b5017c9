"""The duplicate-matching engine: plain records in, explained matches out (no Django)."""

from dossier.matching.engine.compare import Reason
from dossier.matching.engine.matching import (
    DEFAULT_THRESHOLD,
    Match,
    candidate_pairs,
    clusters,
    find_matches,
    match_against,
    score_pair,
)
from dossier.matching.engine.model import Model, default_model, estimate
from dossier.matching.engine.records import Person, Prepared, prepare

__all__ = [
    "DEFAULT_THRESHOLD",
    "Match",
    "Model",
    "Person",
    "Prepared",
    "Reason",
    "candidate_pairs",
    "clusters",
    "default_model",
    "estimate",
    "find_matches",
    "match_against",
    "prepare",
    "score_pair",
]
