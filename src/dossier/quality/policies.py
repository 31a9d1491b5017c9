"""Which weights and ages apply to a template's customers: its policy, else the defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dossier.quality import scoring
from dossier.quality.models import TemplateQualityPolicy
from dossier.templates.models import Template
from dossier.templates.selectors import version_info


@dataclass(frozen=True)
class Policy:
    """A template's quality rules, defaults filled in."""

    weights: dict[str, Any] = field(default_factory=dict)
    freshness_months: int = 12
    stale_months: int = 12


def policies() -> dict[int, Policy]:
    """The policy in force for every template, by template id (one query each table)."""
    kept = {p.template_id: p for p in TemplateQualityPolicy.objects.all()}
    found = {}
    for template_id, scenario in Template.objects.values_list("pk", "scenario"):
        months = scoring.default_months(scenario)
        own = kept.get(template_id)
        if own is None:
            found[template_id] = Policy({}, months, months)
            continue
        fresh = own.freshness_months or months
        found[template_id] = Policy(dict(own.weights or {}), fresh, own.stale_months or fresh)
    return found


def weighted_fields(version_id: int, policy: Policy) -> list[scoring.Weighted]:
    """The fields of a template version with their weights under ``policy``."""
    specs = version_info(version_id).specs
    return scoring.weigh(((s.key, s.required) for s in specs), policy.weights)
