"""Every write of the cleaning app: runs, and decisions on their suggestions."""

from dossier.cleaning.services.decisions import Outcome, accept_suggestions, reject_suggestions
from dossier.cleaning.services.runs import check_may_clean, run_cleaning, start_run

__all__ = [
    "Outcome",
    "accept_suggestions",
    "check_may_clean",
    "reject_suggestions",
    "run_cleaning",
    "start_run",
]
