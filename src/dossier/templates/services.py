"""Writes for templates: create, edit (a new version), publish, clone, archive, built-ins."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.actors import Actor, person, system_actor
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import (
    FieldError,
    FieldSpec,
    check_field_references,
    check_spec,
    lowered_fields,
)
from dossier.templates.core_fields import CHOICE_COLUMN_LENGTHS, CORE_KEYS, core_spec, merge_specs
from dossier.templates.models import (
    DuplicatePolicy,
    Scenario,
    Template,
    TemplateField,
    TemplateVersion,
)

BUILTIN_DIR = Path(__file__).parent / "builtin"
SPEC_ATTRIBUTES = (
    "key",
    "type",
    "label_zh",
    "label_en",
    "required",
    "unique",
    "rules",
    "default",
    "help_zh",
    "help_en",
    "classification",
    "section",
)


def parse_field_definitions(fields: Sequence[Mapping[str, Any]]) -> list[FieldSpec]:
    """Field definitions from plain dicts, checked; raises ValidationFailed with every error."""
    specs: list[FieldSpec] = []
    errors: list[FieldError] = []
    seen: set[str] = set()
    for number, raw in enumerate(fields, start=1):
        data = {
            name: raw[name] for name in SPEC_ATTRIBUTES if name in raw and raw[name] is not None
        }
        if raw.get("sensitive") and "classification" not in data:
            data["classification"] = "sensitive"
        data.setdefault("key", "")
        core = core_spec(data["key"]) if data["key"] in CORE_KEYS else None
        data.setdefault("type", core.type if core else "text")
        data["rules"] = dict(data.get("rules") or {})
        if core is not None and data["type"] == core.type:
            # a core field keeps its rules (choices, column length) under the template's own
            data["rules"] = {**core.rules, **data["rules"]}
        spec = FieldSpec(**data)
        problems = check_spec(spec)
        if spec.key in seen:
            problems.append(FieldError("duplicate_key", field=spec.key, spec=spec, value=spec.key))
        if spec.key in CORE_KEYS and spec.type != core_spec(spec.key).type:
            problems.append(
                FieldError(
                    "core_type_mismatch",
                    field=spec.key,
                    spec=spec,
                    expected=core_spec(spec.key).type,
                    value=spec.type,
                )
            )
        elif spec.key in CORE_KEYS:
            problems += _core_length_errors(spec)
        seen.add(spec.key)
        errors += [err.at(row=number) for err in problems]
        specs.append(spec)
    # rules naming another field (budget max not less than budget min) need the whole template
    rows = {spec.key: number for number, spec in enumerate(specs, start=1)}
    errors += [
        err.at(row=rows.get(err.field)) for err in check_field_references(merge_specs(specs))
    ]
    if errors:
        raise ValidationFailed(_("The template's fields are not valid."), errors=errors)
    return specs


def _core_length_errors(spec: FieldSpec) -> list[FieldError]:
    # a core field is a column of fixed size: a template may shorten it, not lengthen it
    limit = core_spec(spec.key).rules.get("max_length")
    wanted = spec.rules.get("max_length")
    if limit and isinstance(wanted, int) and wanted > limit:
        reason = f"at most {limit} for this built-in field"
        return [
            FieldError("invalid_rule", field=spec.key, spec=spec, rule="max_length", reason=reason)
        ]
    width = CHOICE_COLUMN_LENGTHS.get(spec.key)
    if width and any(len(choice["value"]) > width for choice in spec.choices()):
        reason = f"choice values of this built-in field have at most {width} characters"
        return [
            FieldError("invalid_rule", field=spec.key, spec=spec, rule="choices", reason=reason)
        ]
    return []


def _require(actor: Actor, *permissions: str) -> None:
    # the system itself (installing built-ins) acts as system_actor, which may do anything
    if not all(actor.has_perm(p) for p in permissions):
        raise PermissionDenied(_("You may not change templates."))


def _check_scenario(scenario: str) -> None:
    if scenario not in Scenario.values:
        raise ValidationFailed(
            _("Unknown scenario."),
            errors=[
                FieldError("invalid_choice", field="scenario", label="scenario", value=scenario)
            ],
        )


def _write_fields(version: TemplateVersion, specs: Sequence[FieldSpec]) -> None:
    version.fields.all().delete()
    TemplateField.objects.bulk_create(
        TemplateField(version=version, position=i, **{a: getattr(s, a) for a in SPEC_ATTRIBUTES})
        for i, s in enumerate(specs)
    )


def _spec_dicts(specs: Sequence[FieldSpec]) -> list[dict[str, Any]]:
    return [
        {a: (dict(s.rules) if a == "rules" else getattr(s, a)) for a in SPEC_ATTRIBUTES}
        for s in specs
    ]


@transaction.atomic
def create_template(
    *,
    actor: Actor,
    key: str,
    name_zh: str,
    name_en: str = "",
    scenario: str,
    description: str = "",
    description_en: str = "",
    fields: Sequence[Mapping[str, Any]] = (),
    builtin: bool = False,
) -> Template:
    """Create a template and publish its first version."""
    _require(actor, "templates.add_template", "templates.publish_template")
    _check_scenario(scenario)
    specs = parse_field_definitions(fields)
    if Template.objects.filter(key=key).exists():
        raise Conflict(_("A template with this key already exists."), code="template_exists")
    if not name_zh.strip():
        raise ValidationFailed(
            _("The template needs a name."),
            errors=[FieldError("required", field="name_zh", label="name_zh")],
        )
    template = Template.objects.create(
        key=key,
        name_zh=name_zh.strip(),
        name_en=name_en.strip(),
        scenario=scenario,
        description=description,
        description_en=description_en,
        builtin=builtin,
    )
    version = TemplateVersion.objects.create(
        template=template, number=1, status=TemplateVersion.DRAFT
    )
    _write_fields(version, specs)
    _publish(version, actor=actor, note="")
    return template


LOWER_CLASSIFICATION = "templates.lower_classification"


def _published_classifications(template: Template) -> dict[str, str]:
    """Each template field's classification in the last published version that had it."""
    rows = TemplateField.objects.filter(
        version__template=template, version__status=TemplateVersion.PUBLISHED
    ).order_by("version__number", "position")
    # a field removed and added back later is compared with what it was, not with nothing
    return {row.key: row.spec().classification for row in rows if row.key not in CORE_KEYS}


def _check_lowering(
    version: TemplateVersion, *, actor: Actor, reason: str
) -> list[tuple[FieldSpec, str, str]]:
    """The fields this version makes less protected; refused unless an administrator says why.

    Lowering a class moves values out of encryption and unmasks them for every team that uses
    the template, so it is an administrator's decision, with a reason, in the audit log.
    """
    specs = version.own_specs()
    lowered = lowered_fields(_published_classifications(version.template), specs)
    if not lowered:
        return []
    rows = {spec.key: number for number, spec in enumerate(specs, start=1)}
    errors = [
        FieldError(
            "classification_lowered",
            field=spec.key,
            spec=spec,
            row=rows[spec.key],
            before=old,
            after=new,
        )
        for spec, old, new in lowered
    ]
    if actor is not None and not actor.has_perm(LOWER_CLASSIFICATION):
        raise PermissionDenied(
            _("Only an administrator may lower a field's classification."),
            code="classification_lowered",
            errors=errors,
        )
    if not reason.strip():
        raise ValidationFailed(
            _("Lowering a field's classification needs a reason."),
            code="lowering_reason_required",
            errors=[
                FieldError("required", field="lowering_reason", label=_("Reason for lowering"))
            ],
        )
    return lowered


def _publish(
    version: TemplateVersion, *, actor: Actor, note: str, lowering_reason: str = ""
) -> TemplateVersion:
    lowered = _check_lowering(version, actor=actor, reason=lowering_reason)
    version.status = TemplateVersion.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = person(actor)
    version.note = note[:300]
    version.save()
    template = version.template
    template.current_version = version
    template.save(update_fields=["current_version", "updated_at"])
    record_audit(
        actor=actor,
        action="template_publish",
        object_type="template",
        object_id=template.key,
        changes={"version": version.number},
    )
    for spec, old, new in lowered:
        record_audit(
            actor=actor,
            action="classification_lower",
            object_type="template",
            object_id=template.key,
            changes={"version": version.number, "field": spec.key, "before": old, "after": new},
            reason=lowering_reason.strip(),
        )
    return version


def _draft_of(template: Template) -> TemplateVersion:
    draft = template.versions.filter(status=TemplateVersion.DRAFT).first()
    if draft is None:
        last = template.versions.order_by("-number").first()
        draft = TemplateVersion.objects.create(
            template=template, number=(last.number + 1 if last else 1), status=TemplateVersion.DRAFT
        )
    return draft


@transaction.atomic
def save_draft(
    *, actor: Actor, template: Template, fields: Sequence[Mapping[str, Any]]
) -> TemplateVersion:
    """Store edited fields as the template's draft; published versions stay untouched."""
    _require(actor, "templates.change_template")
    specs = parse_field_definitions(fields)
    draft = _draft_of(Template.objects.select_for_update().get(pk=template.pk))
    _write_fields(draft, specs)
    return draft


@transaction.atomic
def publish_draft(
    *, actor: Actor, template: Template, note: str = "", lowering_reason: str = ""
) -> TemplateVersion:
    """Publish the template's draft as its new current version.

    A draft that lowers a field's classification needs an administrator and a reason.
    """
    _require(actor, "templates.publish_template")
    draft = template.versions.filter(status=TemplateVersion.DRAFT).first()
    if draft is None:
        raise NotFound(_("This template has no draft to publish."), code="no_draft")
    return _publish(draft, actor=actor, note=note, lowering_reason=lowering_reason)


@transaction.atomic
def discard_draft(*, actor: Actor, template: Template) -> None:
    """Throw away the template's unpublished draft."""
    _require(actor, "templates.change_template")
    template.versions.filter(status=TemplateVersion.DRAFT).delete()


@transaction.atomic
def update_template(
    *,
    actor: Actor,
    template: Template,
    name_zh: str | None = None,
    name_en: str | None = None,
    scenario: str | None = None,
    description: str | None = None,
    description_en: str | None = None,
    fields: Sequence[Mapping[str, Any]] | None = None,
    note: str = "",
    lowering_reason: str = "",
    duplicate_policy: str | None = None,
) -> Template:
    """Change a template's names, descriptions, scenario or duplicate policy.

    New fields publish a new version.

    Fields that lower a classification need an administrator and ``lowering_reason``.
    """
    _require(actor, "templates.change_template", "templates.publish_template")
    template = Template.objects.select_for_update().get(pk=template.pk)
    if scenario is not None:
        _check_scenario(scenario)
        template.scenario = scenario
    if duplicate_policy is not None:
        if duplicate_policy not in DuplicatePolicy.values:
            raise ValidationFailed(
                _("Unknown duplicate policy."),
                errors=[
                    FieldError(
                        "invalid_choice",
                        field="duplicate_policy",
                        label="duplicate_policy",
                        value=duplicate_policy,
                    )
                ],
            )
        template.duplicate_policy = duplicate_policy
    names = {"name_zh": name_zh, "name_en": name_en}
    descriptions = {"description": description, "description_en": description_en}
    for attr, value in {**names, **descriptions}.items():
        if value is not None:
            setattr(template, attr, value.strip() if attr in names else value)
    if not template.name_zh:
        raise ValidationFailed(
            _("The template needs a name."),
            errors=[FieldError("required", field="name_zh", label="name_zh")],
        )
    template.save()
    if fields is not None:
        specs = parse_field_definitions(fields)
        current = template.current_version
        if current is None or _spec_dicts(current.own_specs()) != _spec_dicts(specs):
            draft = _draft_of(template)
            _write_fields(draft, specs)
            _publish(draft, actor=actor, note=note, lowering_reason=lowering_reason)
    template.refresh_from_db()
    return template


@transaction.atomic
def clone_template(
    *, actor: Actor, source: Template, key: str, name_zh: str, name_en: str = ""
) -> Template:
    """A new template starting from ``source``'s current fields (clone-and-customise)."""
    current = source.current_version
    fields = _spec_dicts(current.own_specs()) if current else []
    return create_template(
        actor=actor,
        key=key,
        name_zh=name_zh,
        name_en=name_en,
        scenario=source.scenario,
        description=source.description,
        description_en=source.description_en,
        fields=fields,
    )


@transaction.atomic
def archive_template(*, actor: Actor, template: Template) -> Template:
    """Hide a template from pickers; its customers keep working."""
    _require(actor, "templates.change_template")
    if template.archived_at is None:
        template.archived_at = timezone.now()
        template.save(update_fields=["archived_at", "updated_at"])
    return template


def builtin_definitions() -> list[dict[str, Any]]:
    """The shipped template library, one JSON file a template."""
    return [json.loads(path.read_text("utf-8")) for path in sorted(BUILTIN_DIR.glob("*.json"))]


@transaction.atomic
def install_builtin_templates() -> list[Template]:
    """Install the built-in templates that are missing (existing ones are left as they are)."""
    installed = []
    system = system_actor("builtin-templates")
    for definition in builtin_definitions():
        if not Template.objects.filter(key=definition["key"]).exists():
            installed.append(create_template(actor=system, builtin=True, **definition))
    return installed
