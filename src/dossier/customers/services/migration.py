"""Moving a template's customers to a newer version, re-validating each one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.privacy.services import record_audit
from dossier.templates.fields import FieldError, FieldSpec, validate_values
from dossier.templates.models import ProfileMigration, Template, TemplateVersion

from .. import search_index
from ..access import may
from ..models import Customer
from ..values import split_values, stored_values
from .profiles import _unique_errors, _write_lookups


@transaction.atomic
def start_migration(*, actor: User, template: Template) -> ProfileMigration:
    """Record a migration of the template's customers to its current version."""
    if not may(actor, "templates.migrate_template"):
        raise PermissionDenied(_("You may not migrate profiles."))
    # the version published last, whatever the caller's copy of the template says
    template.refresh_from_db(fields=["current_version"])
    if template.current_version_id is None:
        raise ValidationFailed(
            _("This template has no published version."), code="template_unavailable"
        )
    migration = ProfileMigration.objects.create(
        template=template, target_id=template.current_version_id, started_by=actor
    )
    from ..tasks import run_profile_migration  # the task module imports this one

    transaction.on_commit(lambda: run_profile_migration.enqueue(migration.pk))
    return migration


def migrate_customers(*, migration: ProfileMigration, batch_size: int = 500) -> ProfileMigration:
    """Re-validate every customer on an older version against the target; move those that pass.

    Each batch is its own transaction, so a long run can be resumed: customers already on
    the target version are not looked at again. Failures are listed with every error.
    """
    language = get_language() or "zh-hans"
    target = TemplateVersion.objects.prefetch_related("fields").get(pk=migration.target_id)
    specs = target.specs()
    migration.status = ProfileMigration.RUNNING
    migration.save(update_fields=["status"])
    failed_ids = {f["customer"] for f in migration.failures}
    last_id = None
    while True:
        with transaction.atomic():
            batch = (
                Customer.objects.select_for_update()
                .select_related("template_version")
                .filter(template_id=migration.template_id, deleted_at__isnull=True)
                .exclude(template_version=target)
                .order_by("id")
            )
            if last_id is not None:
                batch = batch.filter(id__gt=last_id)
            customers = list(batch[:batch_size])
            if not customers:
                break
            for customer in customers:
                last_id = customer.id
                _migrate_one(customer, target, specs, migration, failed_ids, language)
            migration.save(update_fields=["migrated", "failed", "failures"])
    migration.status = ProfileMigration.DONE
    migration.finished_at = timezone.now()
    migration.save(update_fields=["status", "finished_at"])
    record_audit(
        actor=migration.started_by,
        action="template_migrate",
        object_type="template",
        object_id=migration.template.key,
        changes={
            "version": target.number,
            "migrated": migration.migrated,
            "failed": migration.failed,
        },
    )
    return migration


def _migrate_one(
    customer: Customer,
    target: TemplateVersion,
    specs: list[FieldSpec],
    migration: ProfileMigration,
    failed_ids: set[str],
    language: str,
) -> None:
    old_specs = customer.template_version.specs()
    values = stored_values(customer, old_specs)
    known = {s.key for s in specs}
    result = validate_values(
        {k: v for k, v in values.items() if k in known}, specs, apply_defaults=True
    )
    stored = split_values(result.clean, specs) if result.ok else None
    errors = result.errors + (
        _unique_errors(stored, specs, customer.template, exclude=customer.pk) if stored else []
    )
    if errors or stored is None:
        if str(customer.pk) not in failed_ids:
            migration.failed += 1
            migration.failures.append(
                {
                    "customer": str(customer.pk),
                    "name": customer.display_name,
                    "errors": [_report_entry(e, language) for e in errors],
                }
            )
            failed_ids.add(str(customer.pk))
        return
    stored.apply_to(customer)
    customer.template_version = target
    customer.version += 1
    customer.save()
    _write_lookups(customer, stored)
    search_index.index_customers([customer])
    migration.migrated += 1


def _report_entry(error: FieldError, language: str) -> dict[str, Any]:
    """An error for the (plain-text) report; a personal or sensitive value is not repeated."""
    if error.spec is not None and error.spec.classification != "general":
        hidden = {k: ("***" if k in ("value", "expected") else v) for k, v in error.params.items()}
        error = FieldError(error.code, field=error.field, spec=error.spec, row=error.row, **hidden)
    return error.as_dict(language)
