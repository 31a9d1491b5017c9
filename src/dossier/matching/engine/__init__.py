"""Duplicate detection's pure core: fuzzy, Chinese-aware, explained. Imports no Django.

``prepare`` normalises a :class:`Person`; ``find_matches`` scans prepared records (blocking,
Fellegi–Sunter scoring with an EM-estimated :class:`Model`, exact rules and vetoes);
``score_pairs`` and ``explain`` are its two halves, for data sets too large to hold every
explanation at once; ``match_against`` checks one new record; every :class:`Match` carries its
reasons.
"""

from dossier.matching.engine.blocking import candidate_pairs
from dossier.matching.engine.explain import Match, Reason
from dossier.matching.engine.model import Model, estimate
from dossier.matching.engine.records import Person, Prepared, prepare, prepare_many
from dossier.matching.engine.scan import (
    DEFAULT_THRESHOLD,
    POSSIBLE_THRESHOLD,
    Scored,
    clusters,
    compare,
    explain,
    find_matches,
    match_against,
    score_pairs,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "POSSIBLE_THRESHOLD",
    "Match",
    "Model",
    "Person",
    "Prepared",
    "Reason",
    "Scored",
    "candidate_pairs",
    "clusters",
    "compare",
    "estimate",
    "explain",
    "find_matches",
    "match_against",
    "prepare",
    "prepare_many",
    "score_pairs",
]
