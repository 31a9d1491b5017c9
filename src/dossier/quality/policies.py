"""Which weights and ages apply to a template's customers: its policy, else the defaults;
and the policy page's reads (administrators only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import PermissionDenied
from dossier.core.fields import FieldSpec
from dossier.quality import scoring
from dossier.quality.models import TemplateQualityPolicy
from dossier.templates.models import Template
from dossier.templates.selectors import get_template, version_info
from dossier.verification.selectors import CONTACT_TYPES, required_fields


@dataclass(frozen=True)
class Policy:
    """A template's quality rules, defaults filled in."""

    weights: dict[str, Any] = field(default_factory=dict)
    freshness_months: int = 12
    stale_months: int = 12


def _in_force(template_id: int, scenario: str, own: TemplateQualityPolicy | None) -> Policy:
    months = scoring.default_months(scenario)
    if own is None:
        return Policy({}, months, months)
    fresh = own.freshness_months or months
    return Policy(dict(own.weights or {}), fresh, own.stale_months or fresh)


def policies() -> dict[int, Policy]:
    """The policy in force for every template, by template id (one query each table)."""
    kept = {p.template_id: p for p in TemplateQualityPolicy.objects.all()}
    return {
        template_id: _in_force(template_id, scenario, kept.get(template_id))
        for template_id, scenario in Template.objects.values_list("pk", "scenario")
    }


def weighted_fields(version_id: int, policy: Policy) -> list[scoring.Weighted]:
    """The fields of a template version with their weights under ``policy``."""
    specs = version_info(version_id).specs
    return scoring.weigh(((s.key, s.required) for s in specs), policy.weights)


# ---- the policy page -----------------------------------------------------------------------


def may_keep_policies(actor: MaybeActor | None) -> bool:
    """Administrators keep quality policies: a policy weighs every team's customers."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if not actor.has_perm("templates.change_template"):
        return False
    return bool(getattr(actor, "is_superuser", False)) or role_of_cached(actor) == roles.ADMIN


def check_may_keep_policies(actor: MaybeActor | None) -> None:
    if not may_keep_policies(actor):
        raise PermissionDenied(_("Only administrators may change quality policies."))


def policy_specs(template: Template) -> dict[str, FieldSpec]:
    """The fields of the template's published version, by key (what a policy may name)."""
    if template.current_version_id is None:
        return {}
    return {s.key: s for s in version_info(template.current_version_id).specs}


def _labels(template: Template, keys: list[str]) -> list[str]:
    specs = policy_specs(template)
    language = get_language() or "zh-hans"
    return [specs[key].label(language) if key in specs else key for key in keys]


def policy_list(*, actor: MaybeActor | None) -> list[dict[str, Any]]:
    """Every template that is not archived, with the policy in force for it."""
    check_may_keep_policies(actor)
    kept = {p.template_id: p for p in TemplateQualityPolicy.objects.all()}
    templates = Template.objects.filter(archived_at__isnull=True).order_by("scenario", "key")
    out = []
    for template in templates:
        own = kept.get(template.pk)
        in_force = _in_force(template.pk, template.scenario, own)
        out.append(
            {
                "template": template,
                "own": own is not None,
                "freshness_months": in_force.freshness_months,
                "stale_months": in_force.stale_months,
                "weights": len(in_force.weights),
                "verified": _labels(template, required_fields(template.pk)),
            }
        )
    return out


def policy_of(*, actor: MaybeActor | None, template_key: str) -> dict[str, Any]:
    """A template's policy as the form shows it: months, and per field its default weight,
    the weight kept (if any) and, for contact fields, whether it must be verified."""
    check_may_keep_policies(actor)
    template = get_template(key=str(template_key)[:64])
    own = TemplateQualityPolicy.objects.filter(template=template).first()
    in_force = _in_force(template.pk, template.scenario, own)
    must = set(required_fields(template.pk))
    fields = []
    for spec in policy_specs(template).values():
        default = scoring.REQUIRED_WEIGHT if spec.required else scoring.OPTIONAL_WEIGHT
        kept = in_force.weights.get(spec.key)
        fields.append(
            {
                "key": spec.key,
                "label": spec.label(get_language() or "zh-hans"),
                "required": spec.required,
                "default": default,
                "weight": "" if kept is None else kept,
                "contact": spec.type in CONTACT_TYPES,
                "verified": spec.key in must,
            }
        )
    return {
        "template": template,
        "freshness_months": in_force.freshness_months,
        "stale_months": own.stale_months if own and own.stale_months else "",
        "default_months": scoring.default_months(template.scenario),
        "fields": fields,
    }
