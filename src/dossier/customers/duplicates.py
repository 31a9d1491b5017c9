"""The check a new customer passes before it is stored: is it likely someone already here?

The customers app does not know how duplicates are found; the matching app registers the
check in ``AppConfig.ready`` (register, don't list). ``create_customer`` calls
:func:`check_new_customer` once the values are valid and before anything is written, so a
refused customer leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from dossier.core.errors import Conflict
from dossier.core.fields import FieldSpec
from dossier.templates.models import DuplicatePolicy

#: what a template does with a likely duplicate at entry (Template.duplicate_policy)
BLOCK, WARN, ALLOW = (
    DuplicatePolicy.BLOCK.value,
    DuplicatePolicy.WARN.value,
    DuplicatePolicy.ALLOW.value,
)


@dataclass(frozen=True)
class DuplicateCandidate:
    """An existing customer the new one likely duplicates, as the caller may see it."""

    customer_id: str
    display_name: str
    score: float
    decision: str
    #: one line per compared field ("phone equal", "name 张伟 ≈ Zhang Wei via pinyin 0.96")
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.customer_id,
            "display_name": self.display_name,
            "score": round(self.score, 4),
            "decision": self.decision,
            "reasons": self.reasons,
        }


class LikelyDuplicate(Conflict):
    """409: the new customer likely duplicates existing ones (listed if the caller may see them)."""

    code = "likely_duplicate"

    def __init__(
        self, candidates: Sequence[DuplicateCandidate], *, policy: str, hidden: bool = False
    ) -> None:
        if policy == BLOCK:
            message = _("This customer is already on file; the template does not allow duplicates.")
        else:
            message = _(
                "This customer looks like one already on file. Check the candidates, or save "
                "anyway with allow_duplicate."
            )
        super().__init__(
            str(message),
            extra={
                "policy": policy,
                "candidates": [c.as_dict() for c in candidates],
                # under "block", a match the caller may not see still refuses, unnamed
                "hidden_matches": hidden,
            },
        )
        self.candidates = list(candidates)
        self.policy = policy


class EntryCheck(Protocol):
    def __call__(
        self,
        *,
        actor: Any,
        template: Any,
        clean: Mapping[str, Any],
        specs: Sequence[FieldSpec],
        lookups: Mapping[str, str],
        allow_duplicate: bool,
    ) -> None: ...


_CHECKS: list[Callable[..., None]] = []


def register_entry_check(check: EntryCheck) -> None:
    """Add a check run on every new customer (the matching app's duplicate check)."""
    if check not in _CHECKS:
        _CHECKS.append(check)


def check_new_customer(
    *,
    actor: Any,
    template: Any,
    clean: Mapping[str, Any],
    specs: Sequence[FieldSpec],
    lookups: Mapping[str, str],
    allow_duplicate: bool = False,
) -> None:
    """Run every registered check on a valid new customer; each may raise LikelyDuplicate."""
    for check in _CHECKS:
        check(
            actor=actor,
            template=template,
            clean=clean,
            specs=specs,
            lookups=lookups,
            allow_duplicate=allow_duplicate,
        )


_CHANGE_CHECKS: list[Callable[..., None]] = []


def register_change_check(check: Callable[..., None]) -> None:
    """Add a check run on every edit of a customer before it is saved (the verification
    app's rule that an active customer's required contacts are verified)."""
    if check not in _CHANGE_CHECKS:
        _CHANGE_CHECKS.append(check)


def check_changed_customer(
    *, customer: Any, clean: Mapping[str, Any], lookups: Mapping[str, str]
) -> None:
    """Run every registered check on a valid edit: ``customer`` as stored, ``clean`` the
    values about to be saved, ``lookups`` their blind indexes; each may raise an error."""
    for check in _CHANGE_CHECKS:
        check(customer=customer, clean=clean, lookups=lookups)
