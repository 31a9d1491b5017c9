"""Background work on customers (run by `dossier worker`)."""

from django_tasks import task

from dossier.templates.models import ProfileMigration


@task()
def run_profile_migration(migration_id: int) -> dict[str, int]:
    """Move a template's customers to its current version and write the report."""
    from dossier.customers.services import migrate_customers

    migration = migrate_customers(migration=ProfileMigration.objects.get(pk=migration_id))
    return {"migrated": migration.migrated, "failed": migration.failed}
