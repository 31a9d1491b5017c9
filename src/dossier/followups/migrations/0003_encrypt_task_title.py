"""Task titles name the customer and their affairs: encrypt the titles already stored.

Each title is copied from the plain column into a new encrypted one through the field (so it
is sealed with the current key), then the encrypted column takes the plain one's place. Plain
ORM operations only: the same on SQLite and PostgreSQL. Going back copies the decrypted titles
into a plain column again.
"""

from typing import Any

from django.db import migrations, models

import dossier.protection.fields

BATCH = 500


def _copy(apps: Any, source: str, target: str) -> None:
    task_model = apps.get_model("followups", "Task")
    last = 0
    # by primary key, a batch at a time: SQLite does not isolate a read from writes to the
    # same table on one connection, so no cursor stays open while rows are written
    while True:
        rows = list(
            task_model.objects.filter(pk__gt=last).order_by("pk").only("pk", source)[:BATCH]
        )
        if not rows:
            return
        for row in rows:
            setattr(row, target, getattr(row, source))
        task_model.objects.bulk_update(rows, [target])
        last = rows[-1].pk


def seal_titles(apps: Any, schema_editor: Any) -> None:
    _copy(apps, "title", "title_sealed")


def unseal_titles(apps: Any, schema_editor: Any) -> None:
    _copy(apps, "title_sealed", "title")


class Migration(migrations.Migration):
    dependencies = [
        ("followups", "0002_task_times_and_due_index"),
    ]

    operations = [
        # a default, so that going back can add the plain column to existing rows
        migrations.AlterField(
            model_name="task",
            name="title",
            field=models.CharField(default="", max_length=200, verbose_name="title"),
        ),
        migrations.AddField(
            model_name="task",
            name="title_sealed",
            field=dossier.protection.fields.EncryptedTextField(
                blank=True, context="followups.task_title", default="", verbose_name="title"
            ),
        ),
        migrations.RunPython(seal_titles, unseal_titles),
        migrations.RemoveField(model_name="task", name="title"),
        migrations.RenameField(model_name="task", old_name="title_sealed", new_name="title"),
    ]
