"""Writes of the verification app: codes, recorded verifications, the rule at the door."""

from dossier.verification.services.codes import CodeSent, confirm_verification, start_verification
from dossier.verification.services.recording import attach_value_check, record_verification
from dossier.verification.services.rules import check_active_ready, set_required_verifications
from dossier.verification.services.values import confirm_value_check, start_value_check

__all__ = [
    "CodeSent",
    "attach_value_check",
    "check_active_ready",
    "confirm_value_check",
    "confirm_verification",
    "record_verification",
    "set_required_verifications",
    "start_value_check",
    "start_verification",
]
