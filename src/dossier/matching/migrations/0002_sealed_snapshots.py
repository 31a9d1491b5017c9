"""Merge snapshots stored encrypted as a whole (they now keep encrypted columns' values too,
so an un-merge still works after a key rotation retired the key of their envelopes)."""

from typing import Any

from django.db import migrations

import dossier.protection.fields


def seal(apps: Any, schema_editor: Any) -> None:
    # existing snapshots keep their envelopes only: undone as before, byte for byte
    MergeSnapshot = apps.get_model("matching", "MergeSnapshot")
    for snapshot in MergeSnapshot.objects.using(schema_editor.connection.alias).iterator():
        snapshot.sealed = snapshot.rows
        snapshot.save(update_fields=["sealed"])


def unseal(apps: Any, schema_editor: Any) -> None:
    MergeSnapshot = apps.get_model("matching", "MergeSnapshot")
    for snapshot in MergeSnapshot.objects.using(schema_editor.connection.alias).iterator():
        snapshot.rows = snapshot.sealed
        snapshot.save(update_fields=["rows"])


class Migration(migrations.Migration):
    dependencies = [("matching", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="mergesnapshot",
            name="sealed",
            field=dossier.protection.fields.EncryptedJSONField(
                blank=True, context="merge.snapshot", default=dict
            ),
        ),
        migrations.RunPython(seal, unseal),
        migrations.RemoveField(model_name="mergesnapshot", name="rows"),
        migrations.RenameField(model_name="mergesnapshot", old_name="sealed", new_name="rows"),
    ]
