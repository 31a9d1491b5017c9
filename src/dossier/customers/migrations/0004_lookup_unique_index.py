"""The partial unique index over unique lookup values (filled by 0002).

A migration of its own: on PostgreSQL a table whose rows were just updated in the same
transaction cannot be altered while deferred foreign-key checks are pending.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_lookup_unique_values")]

    operations = [
        migrations.AlterField(
            model_name="customerlookup",
            name="template",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="templates.template",
            ),
        ),
        migrations.AddConstraint(
            model_name="customerlookup",
            constraint=models.UniqueConstraint(
                condition=models.Q(unique=True),
                fields=("template", "field", "digest"),
                name="lookup_unique_value",
            ),
        ),
    ]
