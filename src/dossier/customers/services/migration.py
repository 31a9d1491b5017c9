"""Moving a template's customers to a newer version, re-validating each one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldSpec, validate_values
from dossier.customers import search_index
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer
from dossier.customers.services.storage import unique_errors, write_lookups
from dossier.customers.values import split_values, stored_values
from dossier.templates.core_fields import CORE_KEYS
from dossier.templates.models import ProfileMigration, Template, TemplateVersion

DECRYPT = "templates.lower_classification"


def decrypted_fields(
    before: list[FieldSpec], after: list[FieldSpec]
) -> list[tuple[FieldSpec, str, str]]:
    """Fields whose stored values moving from ``before`` to ``after`` would leave encryption."""
    old = {s.key: s.classification for s in before if s.key not in CORE_KEYS}
    return [
        (spec, old[spec.key], spec.classification)
        for spec in after
        if spec.key in old and old[spec.key] != "general" and spec.classification == "general"
    ]


def _to_move(template: Template, target_id: int) -> Any:
    return Customer.objects.filter(template=template, deleted_at__isnull=True).exclude(
        template_version_id=target_id
    )


def _check_reach(actor: User, template: Template, target_id: int) -> None:
    """A migration changes every customer on the template: the actor must reach them all.

    Otherwise a manager's template edit would rewrite other teams' customers, which they may
    not change themselves. Only someone who reaches all of them (an administrator) may run it.
    """
    customers = _to_move(template, target_id)
    reachable = restrict(customers, actor, "change")
    beyond = customers.exclude(pk__in=reachable.values("pk")).count()
    if beyond:
        raise PermissionDenied(
            _(
                "%(count)s customers on this template are outside your reach; only someone "
                "who may change all of them (an administrator) may migrate them."
            )
            % {"count": beyond},
            code="customers_out_of_reach",
        )


def _check_decryption(
    actor: User, template: Template, target: TemplateVersion, confirm_decrypt: bool
) -> list[tuple[FieldSpec, str, str]]:
    """Fields the migration would move out of encryption; refused unless an admin confirms."""
    old_ids = _to_move(template, target.pk).order_by().values("template_version_id").distinct()
    found: dict[str, tuple[FieldSpec, str, str]] = {}
    versions = TemplateVersion.objects.filter(pk__in=old_ids).prefetch_related("fields")
    for version in versions:
        for spec, old, new in decrypted_fields(version.specs(), target.specs()):
            found.setdefault(spec.key, (spec, old, new))
    lowered = list(found.values())
    if not lowered:
        return []
    errors = [
        FieldError("decrypts_values", field=spec.key, spec=spec, before=old, after=new)
        for spec, old, new in lowered
    ]
    if not may(actor, DECRYPT):
        raise PermissionDenied(
            _("Only an administrator may migrate profiles out of encryption."),
            code="migration_decrypts",
            errors=errors,
        )
    if not confirm_decrypt:
        raise ValidationFailed(
            _(
                "This migration would store encrypted values in plaintext; confirm it "
                "explicitly to go ahead."
            ),
            code="migration_decrypts",
            errors=errors,
        )
    return lowered


@transaction.atomic
def start_migration(
    *, actor: User, template: Template, confirm_decrypt: bool = False
) -> ProfileMigration:
    """Record a migration of the template's customers to its current version.

    The actor must reach every customer it would change; a migration that moves values out
    of encryption also needs an administrator and ``confirm_decrypt``.
    """
    if not may(actor, "templates.migrate_template"):
        raise PermissionDenied(_("You may not migrate profiles."))
    # the version published last, whatever the caller's copy of the template says
    template.refresh_from_db(fields=["current_version"])
    if template.current_version_id is None:
        raise ValidationFailed(
            _("This template has no published version."), code="template_unavailable"
        )
    target = TemplateVersion.objects.prefetch_related("fields").get(pk=template.current_version_id)
    _check_reach(actor, template, target.pk)
    decrypted = _check_decryption(actor, template, target, confirm_decrypt)
    migration = ProfileMigration.objects.create(
        template=template,
        target=target,
        started_by=actor,
        decrypt_confirmed=bool(decrypted),
    )
    if decrypted:
        record_audit(
            actor=actor,
            action="profiles_decrypt",
            object_type="template",
            object_id=template.key,
            changes={
                "version": target.number,
                "migration": migration.pk,
                "fields": [
                    {"field": spec.key, "before": old, "after": new} for spec, old, new in decrypted
                ],
            },
        )
    from dossier.customers.tasks import run_profile_migration  # the task module imports this one

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
    decrypted = [] if migration.decrypt_confirmed else decrypted_fields(old_specs, specs)
    if decrypted:
        # e.g. a customer that came onto another version after the migration was checked
        errors = [
            FieldError("decrypts_values", field=spec.key, spec=spec, before=old, after=new)
            for spec, old, new in decrypted
        ]
        _record_failure(customer, migration, failed_ids, errors, language)
        return
    values = stored_values(customer, old_specs)
    known = {s.key for s in specs}
    result = validate_values(
        {k: v for k, v in values.items() if k in known}, specs, apply_defaults=True
    )
    stored = split_values(result.clean, specs) if result.ok else None
    errors = result.errors + (
        unique_errors(stored, specs, customer.template, exclude=customer.pk) if stored else []
    )
    if stored is not None and not errors:
        try:
            with transaction.atomic():
                stored.apply_to(customer)
                customer.template_version = target
                customer.version += 1
                customer.save()
                write_lookups(customer, stored, specs)
                search_index.index_customers([customer])
        except ValidationFailed as exc:  # a unique value taken since the check
            errors = exc.errors
            customer.refresh_from_db()
    if errors or stored is None:
        _record_failure(customer, migration, failed_ids, errors, language)
        return
    migration.migrated += 1


def _record_failure(
    customer: Customer,
    migration: ProfileMigration,
    failed_ids: set[str],
    errors: list[FieldError],
    language: str,
) -> None:
    if str(customer.pk) not in failed_ids:
        migration.failed += 1
        migration.failures.append(
            {
                # the id only: a name stored here would outlive the customer's erasure
                "customer": str(customer.pk),
                "errors": [_report_entry(e, language) for e in errors],
            }
        )
        failed_ids.add(str(customer.pk))


def _report_entry(error: FieldError, language: str) -> dict[str, Any]:
    """An error for the stored report: field, code and message, never the value itself."""
    hidden = {k: ("***" if k in _VALUE_PARAMS else v) for k, v in error.params.items()}
    error = FieldError(error.code, field=error.field, spec=error.spec, row=error.row, **hidden)
    return error.as_dict(language)


#: error parameters that quote the customer's value (or what was wrong with it)
_VALUE_PARAMS = ("value", "expected", "reason", "prefix")
