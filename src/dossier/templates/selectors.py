"""Reads for templates."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound, PermissionDenied
from dossier.core.fields import FieldSpec
from dossier.templates.models import ProfileMigration, Template, TemplateVersion


def template_list(*, actor: AbstractBaseUser, include_archived: bool = False) -> QuerySet[Template]:
    """Templates the actor works with (their role's scenarios), current version loaded."""
    queryset = Template.objects.select_related("current_version")
    scenarios = roles.ROLE_SCENARIOS.get(role_of_cached(actor) or "")
    if scenarios is not None and not getattr(actor, "is_superuser", False):
        queryset = queryset.filter(scenario__in=scenarios)
    if not include_archived:
        queryset = queryset.filter(archived_at__isnull=True)
    return queryset.order_by("scenario", "key")


def customer_counts() -> dict[int, int]:
    """How many (not deleted) customers each template has, by template id.

    The count the customer services keep on the template (never a count per page view)."""
    return dict(Template.objects.values_list("pk", "customer_count"))


def get_template(*, key: str) -> Template:
    """The template with this key, or NotFound."""
    # PostgreSQL refuses NUL in a text parameter, and no key contains one
    template = (
        Template.objects.select_related("current_version").filter(key=key).first()
        if "\x00" not in key
        else None
    )
    if template is None:
        raise NotFound(
            _("No template with key “%(key)s”.") % {"key": key}, code="template_not_found"
        )
    return template


def get_version(*, template: Template, number: int | None = None) -> TemplateVersion:
    """A version of a template (its current one when ``number`` is None), fields loaded."""
    queryset = TemplateVersion.objects.filter(template=template).prefetch_related("fields")
    if number is not None:
        version = queryset.filter(number=number).first()
    elif template.current_version_id is not None:
        version = queryset.filter(pk=template.current_version_id).first()
    else:
        version = None  # never published: no current version to fall back on
    if version is None:
        raise NotFound(_("No such template version."), code="version_not_found")
    return version


def version_list(*, template: Template) -> QuerySet[TemplateVersion]:
    return (
        TemplateVersion.objects.filter(template=template)
        .prefetch_related("fields")
        .order_by("number")
    )


def draft_of(*, template: Template) -> TemplateVersion | None:
    """The template's unpublished draft, if it has one."""
    return template.versions.filter(status=TemplateVersion.DRAFT).prefetch_related("fields").first()


def get_migration(*, actor: MaybeActor, template_key: str, migration_id: int) -> ProfileMigration:
    """A profile migration of the template, with its report (which names customers of every
    owner, so only those who may migrate profiles may read it)."""
    if not actor.has_perm("templates.migrate_template"):
        raise PermissionDenied(_("You may not see profile migrations."))
    migration = (
        ProfileMigration.objects.select_related("template", "target")
        .filter(pk=migration_id, template__key=template_key.replace("\x00", ""))
        .first()
    )
    if migration is None:
        raise NotFound(_("No such migration."), code="migration_not_found")
    return migration


@dataclass(frozen=True)
class VersionInfo:
    """What a customer's presentation needs of its template version."""

    template_id: int
    template_key: str
    number: int
    specs: list[FieldSpec]


# A published version never changes, so what it says can be remembered for the process's life.
_published: dict[int, VersionInfo] = {}


def version_info(version_id: int) -> VersionInfo:
    """Template key, version number and field specs of a version (cached once published)."""
    info = _published.get(version_id)
    if info is not None:
        return info
    version = (
        TemplateVersion.objects.select_related("template")
        .prefetch_related("fields")
        .get(pk=version_id)
    )
    info = VersionInfo(version.template_id, version.template.key, version.number, version.specs())
    if version.status == TemplateVersion.PUBLISHED:
        _published[version_id] = info
    return info


def forget_versions() -> None:
    """Drop remembered versions (tests roll back the rows they were read from)."""
    _published.clear()
