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
        ("customers", "0004_lookup_unique_index"),
        # the service writes through today's models: every table must be as it is now
        ("privacy", "0004_audit_actions_for_lowered_classification"),
        ("templates", "0002_lower_classification_and_decrypt_confirmation"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
