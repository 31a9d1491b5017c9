"""Ticket subjects are often the customer's own words: encrypt the subjects already stored.

Each subject is copied from the plain column into a new encrypted one through the field (so it
is sealed with the current key), then the encrypted column takes the plain one's place. Plain
ORM operations only: the same on SQLite and PostgreSQL. Going back copies the decrypted subjects
into a plain column again.
"""

from typing import Any

from django.db import migrations, models

import dossier.protection.fields

BATCH = 500


def _copy(apps: Any, source: str, target: str) -> None:
    ticket_model = apps.get_model("tickets", "Ticket")
    last = 0
    # by primary key, a batch at a time: SQLite does not isolate a read from writes to the
    # same table on one connection, so no cursor stays open while rows are written
    while True:
        rows = list(
            ticket_model.objects.filter(pk__gt=last).order_by("pk").only("pk", source)[:BATCH]
        )
        if not rows:
            return
        for row in rows:
            setattr(row, target, getattr(row, source))
        ticket_model.objects.bulk_update(rows, [target])
        last = rows[-1].pk


def seal_subjects(apps: Any, schema_editor: Any) -> None:
    _copy(apps, "subject", "subject_sealed")


def unseal_subjects(apps: Any, schema_editor: Any) -> None:
    _copy(apps, "subject_sealed", "subject")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0001_initial"),
    ]

    operations = [
        # a default, so that going back can add the plain column to existing rows
        migrations.AlterField(
            model_name="ticket",
            name="subject",
            field=models.CharField(default="", max_length=200, verbose_name="subject"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="subject_sealed",
            field=dossier.protection.fields.EncryptedTextField(
                blank=True, context="tickets.subject", default="", verbose_name="subject"
            ),
        ),
        migrations.RunPython(seal_subjects, unseal_subjects),
        migrations.RemoveField(model_name="ticket", name="subject"),
        migrations.RenameField(model_name="ticket", old_name="subject_sealed", new_name="subject"),
    ]
