"""Writes of the consent ledger: grant, withdraw, double opt-in, and the audited export."""

from dossier.consent.services.double_opt_in import (
    ConsentRequest,
    code_digest,
    confirm_double_opt_in,
    normalise_code,
    start_double_opt_in,
)
from dossier.consent.services.export import MarketingExport, export_marketing_audience
from dossier.consent.services.recording import grant_consent, withdraw_consent

__all__ = [
    "ConsentRequest",
    "MarketingExport",
    "code_digest",
    "confirm_double_opt_in",
    "export_marketing_audience",
    "grant_consent",
    "normalise_code",
    "start_double_opt_in",
    "withdraw_consent",
]
