"""REST endpoints for templates, their versions, field types and profile migrations."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from ninja import Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.errors import PermissionDenied
from dossier.core.fields import FieldSpec, get_type, registered_types
from dossier.core.schemas import ERRORS
from dossier.templates import selectors, services
from dossier.templates.models import Template, TemplateVersion
from dossier.templates.schemas import (
    CloneIn,
    FieldTypeOut,
    TemplateDetailOut,
    TemplateIn,
    TemplateOut,
    TemplateUpdate,
    VersionOut,
)

router = Router(tags=["templates"])


def _can_view(request: ApiRequest) -> None:
    if not request.user.has_perm("templates.view_template"):
        raise PermissionDenied(_("You may not see templates."))


def _field_out(spec: FieldSpec) -> dict[str, Any]:
    return {**spec.__dict__, "rules": dict(spec.rules), "sensitive": spec.sensitive}


def _template_out(template: Template) -> dict[str, Any]:
    return {
        "key": template.key,
        "name_zh": template.name_zh,
        "name_en": template.name_en,
        "scenario": template.scenario,
        "description": template.description,
        "description_en": template.description_en,
        "builtin": template.builtin,
        "archived": template.archived_at is not None,
        "current_version": template.current_version.number if template.current_version else None,
        "duplicate_policy": template.duplicate_policy,
    }


def _detail(template: Template) -> dict[str, Any]:
    version = selectors.get_version(template=template)
    return {**_template_out(template), "fields": [_field_out(s) for s in version.specs()]}


def _version_out(version: TemplateVersion) -> dict[str, Any]:
    return {
        "number": version.number,
        "status": version.status,
        "note": version.note,
        "published_at": version.published_at,
        "fields": [_field_out(s) for s in version.own_specs()],
    }


def _fields(payload_fields: list[Any] | None) -> list[dict[str, Any]] | None:
    return None if payload_fields is None else [f.dict() for f in payload_fields]


@router.get("", response={200: list[TemplateOut], **ERRORS})
def list_templates(request: ApiRequest, include_archived: bool = False) -> Any:
    _can_view(request)
    return [
        _template_out(t)
        for t in selectors.template_list(actor=request.user, include_archived=include_archived)
    ]


@router.post("", response={201: TemplateDetailOut, **ERRORS})
def create_template(request: ApiRequest, payload: TemplateIn) -> Any:
    """Create a template and publish version 1."""
    data = payload.dict()
    data["fields"] = _fields(payload.fields)
    template = services.create_template(actor=request.user, **data)
    return Status(201, _detail(selectors.get_template(key=template.key)))


@router.get("/field-types", response={200: list[FieldTypeOut], **ERRORS})
def field_types(request: ApiRequest) -> Any:
    """The field types a template can use, with the rules each accepts."""
    _can_view(request)
    return [
        {
            "name": n,
            "widget": get_type(n).widget,
            "rules": sorted(get_type(n).allowed_rules),
            "minimum_classification": get_type(n).minimum_classification,
        }
        for n in registered_types()
    ]


@router.get("/{key}", response={200: TemplateDetailOut, **ERRORS})
def get_template(request: ApiRequest, key: str) -> Any:
    _can_view(request)
    return _detail(selectors.get_template(key=key))


@router.put("/{key}", response={200: TemplateDetailOut, **ERRORS})
def update_template(request: ApiRequest, key: str, payload: TemplateUpdate) -> Any:
    """Change names or scenario; new `fields` publish a new version (old profiles keep theirs).

    Lowering a field's classification is an administrator's act and needs `lowering_reason`.
    """
    data = payload.dict()
    data["fields"] = _fields(payload.fields)
    template = services.update_template(
        actor=request.user, template=selectors.get_template(key=key), **data
    )
    return _detail(selectors.get_template(key=template.key))


@router.delete("/{key}", response={204: None, **ERRORS})
def archive_template(request: ApiRequest, key: str) -> Any:
    """Archive a template: no new profiles on it; existing ones keep working."""
    services.archive_template(actor=request.user, template=selectors.get_template(key=key))
    return Status(204, None)


@router.post("/{key}/clone", response={201: TemplateDetailOut, **ERRORS})
def clone_template(request: ApiRequest, key: str, payload: CloneIn) -> Any:
    source = selectors.get_template(key=key)
    template = services.clone_template(actor=request.user, source=source, **payload.dict())
    return Status(201, _detail(selectors.get_template(key=template.key)))


@router.get("/{key}/versions", response={200: list[VersionOut], **ERRORS})
def list_versions(request: ApiRequest, key: str) -> Any:
    _can_view(request)
    return [
        _version_out(v) for v in selectors.version_list(template=selectors.get_template(key=key))
    ]


@router.get("/{key}/versions/{number}", response={200: VersionOut, **ERRORS})
def get_version(request: ApiRequest, key: str, number: int) -> Any:
    _can_view(request)
    return _version_out(
        selectors.get_version(template=selectors.get_template(key=key), number=number)
    )
