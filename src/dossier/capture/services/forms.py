"""Creating, changing and switching off capture forms (admins, and managers for their team)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.audit.services import record_audit
from dossier.capture.models import CaptureForm, VerifyVia
from dossier.capture.selectors import forms_for
from dossier.consent.models import Channel, Purpose
from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.services.profiles import (
    OWNER_FIELD,
    check_may_create,
    check_owner,
    current_version,
)
from dossier.templates.core_fields import LIFECYCLES, SOURCES

SLUG = FieldLabel("slug", "链接名", "Link name")
FIELDS = FieldLabel("fields", "字段", "Fields")
TITLE = FieldLabel("title_zh", "标题（中文）", "Title (Chinese)")
TITLE_EN = FieldLabel("title_en", "标题（英文）", "Title (English)")
INTRO = FieldLabel("intro", "说明", "Introduction")
CONSENTS = FieldLabel("consents", "同意事项", "Consents")
CHANNEL = FieldLabel("consent_channel", "同意渠道", "Consent channel")
NOTICE = FieldLabel("notice_version", "隐私告知版本", "Privacy notice version")
SOURCE = FieldLabel("source", "来源渠道", "Source")
LIFECYCLE = FieldLabel("lifecycle", "生命周期", "Lifecycle")
VERIFY = FieldLabel("verify_via", "验证方式", "Verify by")
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
#: field types a stranger may fill in on a public form (no files, no sensitive ids)
PUBLIC_TYPES = {
    "text",
    "long_text",
    "address",
    "phone",
    "email",
    "choice",
    "multi_choice",
    "date",
    "url",
    "boolean",
    "integer",
}
MAX_FIELDS = 30
#: names the staff pages use under /capture/
RESERVED_SLUGS = {"new"}


def may_keep_forms(actor: Any) -> bool:
    """Admins keep every form; managers those of their team."""
    role = role_of_cached(actor)
    return bool(getattr(actor, "is_superuser", False) or role in (roles.ADMIN, roles.MANAGER))


def check_may_keep(actor: Any, form: CaptureForm | None = None) -> None:
    """403 unless the actor keeps capture forms (and, for a form, one of their team's)."""
    if not may_keep_forms(actor):
        raise PermissionDenied(_("You may not keep capture forms."))
    if form is not None and not forms_for(actor).filter(pk=form.pk).exists():
        raise NotFound(_("No such form."))


def form_to_keep(actor: Any, slug: str) -> CaptureForm:
    """The form with this link name the actor keeps: 403 for a lower role, 404 if not theirs."""
    check_may_keep(actor)
    found = forms_for(actor).filter(slug=str(slug)[:64]).first()
    if found is None:
        raise NotFound(_("No such form."))
    return found


def _text(values: Mapping[str, Any], key: str) -> str:
    return "".join(ch for ch in str(values.get(key) or "") if ch >= " " or ch in "\n\t").strip()


def _check(values: Mapping[str, Any], template: Any, errors: list[FieldError]) -> dict[str, Any]:
    """The form's settings, cleaned; every problem is appended to ``errors`` on its field."""
    out: dict[str, Any] = {}
    for label, limit, required in (
        (TITLE, 120, True),
        (TITLE_EN, 120, False),
        (INTRO, 2000, False),
        (NOTICE, 50, False),
    ):
        text = _text(values, label.key)
        if required and not text:
            errors.append(FieldError("required", spec=label))
        elif len(text) > limit:
            errors.append(FieldError("too_long", spec=label, max=limit))
        out[label.key] = text[:limit]
    specs = {s.key: s for s in current_version(template).specs()}
    chosen = [str(k)[:64] for k in values.get("fields") or []][: MAX_FIELDS + 1]
    if len(chosen) > MAX_FIELDS:
        errors.append(FieldError("too_long", spec=FIELDS, max=MAX_FIELDS))
    for key in chosen:
        spec = specs.get(key)
        if spec is None or spec.type not in PUBLIC_TYPES or key in ("source", "lifecycle"):
            errors.append(FieldError("invalid_choice", spec=FIELDS, value=key))
    missing = [
        s.key
        for s in specs.values()
        if s.required and s.default in (None, "") and s.key not in chosen
    ]
    for key in missing:
        errors.append(FieldError("required", spec=specs[key]))
    out["fields"] = list(dict.fromkeys(chosen))
    consents = list(dict.fromkeys(str(k)[:64] for k in values.get("consents") or []))
    known = set(Purpose.objects.filter(key__in=consents).values_list("key", flat=True))
    for key in consents:
        if key not in known:
            errors.append(FieldError("invalid_choice", spec=CONSENTS, value=key))
    out["consents"] = consents
    channel = _text(values, "consent_channel")
    if consents and channel not in Channel.values:
        errors.append(FieldError("invalid_choice", spec=CHANNEL, value=channel[:16]))
    if consents and not out["notice_version"]:
        errors.append(FieldError("required", spec=NOTICE))
    out["consent_channel"] = channel if channel in Channel.values else ""
    for label, choices in ((SOURCE, SOURCES), (LIFECYCLE, LIFECYCLES)):
        value = _text(values, label.key)
        allowed = {c["value"] for c in choices} | ({""} if label is LIFECYCLE else set())
        if value not in allowed:
            errors.append(FieldError("invalid_choice", spec=label, value=value[:32]))
        out[label.key] = value
    verify = _text(values, "verify_via")
    if verify not in VerifyVia.values:
        errors.append(FieldError("invalid_choice", spec=VERIFY, value=verify[:8]))
    elif verify and {"sms": "phone", "email": "email"}[verify] not in out["fields"]:
        errors.append(
            FieldError(
                "required", spec=specs.get({"sms": "phone", "email": "email"}[verify]) or VERIFY
            )
        )
    out["verify_via"] = verify
    return out


def _check_slug(slug: str, errors: list[FieldError]) -> str:
    slug = slug.lower()
    if not SLUG_PATTERN.match(slug) or slug in RESERVED_SLUGS:
        errors.append(FieldError("pattern", spec=SLUG))
    elif CaptureForm.objects.filter(slug=slug).exists():  # new forms only: slugs stay
        errors.append(FieldError("invalid_choice", spec=SLUG, value=slug))
    return slug


def _check_owner(actor: Any, owner: User, template: Any) -> None:
    """The actor may give customers to ``owner``, who may see and create them (else every
    submission would fail)."""
    check_owner(actor=actor, owner=owner, template=template)
    try:
        check_may_create(owner, template)
    except PermissionDenied:
        raise ValidationFailed(
            _("The form could not be saved."),
            errors=[FieldError("owner_not_eligible", spec=OWNER_FIELD, value=owner.get_username())],
        ) from None


def _team_of(actor: Any, owner: User) -> int | None:
    if role_of_cached(actor) == roles.MANAGER:
        return team_id_of(actor)
    return team_id_of(owner)


@transaction.atomic
def create_form(
    *, actor: Any, template: Any, owner: User | None, values: Mapping[str, Any]
) -> CaptureForm:
    """A new active capture form; its customers go to ``owner`` (default: the actor)."""
    check_may_keep(actor)
    owner = owner or actor
    _check_owner(actor, owner, template)
    errors: list[FieldError] = []
    slug = _check_slug(_text(values, "slug"), errors)
    clean = _check(values, template, errors)
    if errors:
        raise ValidationFailed(_("The form could not be saved."), errors=errors)
    form = CaptureForm.objects.create(
        slug=slug,
        template=template,
        owner=owner,
        team_id=_team_of(actor, owner),
        created_by=actor,
        **clean,
    )
    record_audit(
        actor=actor,
        action="create",
        object_type="capture_form",
        object_id=form.pk,
        changes={"slug": slug, "owner": owner.get_username()},
    )
    return form


@transaction.atomic
def update_form(
    *, actor: Any, slug: str, owner: User | None, values: Mapping[str, Any]
) -> CaptureForm:
    """Change a form's settings (its link name stays: printed QR codes point at it)."""
    form = form_to_keep(actor, slug)
    owner = owner or form.owner
    if owner.pk != form.owner_id:
        _check_owner(actor, owner, form.template)
    errors: list[FieldError] = []
    clean = _check(values, form.template, errors)
    if errors:
        raise ValidationFailed(_("The form could not be saved."), errors=errors)
    for key, value in clean.items():
        setattr(form, key, value)
    form.owner = owner
    form.save()
    record_audit(
        actor=actor,
        action="update",
        object_type="capture_form",
        object_id=form.pk,
        changes={"fields": clean["fields"], "owner": owner.get_username()},
    )
    return form


@transaction.atomic
def set_active(*, actor: Any, slug: str, active: bool) -> CaptureForm:
    """Open or close a form; a closed form's link answers 404."""
    form = form_to_keep(actor, slug)
    form.active = active
    form.save(update_fields=["active", "updated_at"])
    record_audit(
        actor=actor,
        action="update",
        object_type="capture_form",
        object_id=form.pk,
        changes={"active": active},
    )
    return form


def offered_fields(form: CaptureForm) -> Sequence[Any]:
    """The template fields the form shows, in the form's order."""
    specs = {s.key: s for s in current_version(form.template).specs()}
    return [specs[k] for k in form.fields if k in specs]
