"""Backfill the lookups of phones' last four digits for customers stored before they existed.

The phones are encrypted, so the lookups are computed by the application's own service with
the application's keys (the same as ``dossier reindex``). An empty database has nothing to do.
"""

from django.db import migrations


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    if not apps.get_model("customers", "Customer").objects.exists():
        return
    from dossier.customers.services.lookups import reindex_lookups

    reindex_lookups()


class Migration(migrations.Migration):
    dependencies = [
        # the service writes through today's models: every table must be as it is now
        ("customers", "0009_list_indexes_newest_first"),
        ("privacy", "0006_backfill_customer_erased_at"),
        ("templates", "0003_customer_counts"),
        ("audit", "0001_initial"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
