"""Unique template fields become unique in the database: a partial unique index on lookups.

Each lookup gets its customer's template and a ``unique`` flag. The flag is set for the value
of a field the customer's version marks unique, of a customer not deleted, unless another
such customer already holds the same value: existing duplicates cannot go into a unique
index, so they stay out of it (flag false) and the application still refuses the value to
anyone new. The next edit that changes such a value, or finds it no longer shared, puts it
into the index (see ``customers.services.storage``).
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Count, OuterRef, Subquery


def mark_unique_values(apps: Any, schema_editor: Any) -> None:
    Customer = apps.get_model("customers", "Customer")
    CustomerLookup = apps.get_model("customers", "CustomerLookup")
    TemplateField = apps.get_model("templates", "TemplateField")
    CustomerLookup.objects.update(
        template_id=Subquery(
            Customer.objects.filter(pk=OuterRef("customer_id")).values("template_id")[:1]
        )
    )
    # one statement per unique field of each version (there are few), not one per customer
    for version_id, key in TemplateField.objects.filter(unique=True).values_list(
        "version_id", "key"
    ):
        CustomerLookup.objects.filter(
            field=key,
            customer__template_version_id=version_id,
            customer__deleted_at__isnull=True,
        ).update(unique=True)
    shared = (
        CustomerLookup.objects.filter(unique=True)
        .values("template_id", "field", "digest")
        .annotate(holders=Count("id"))
        .filter(holders__gt=1)
    )
    for group in shared:
        CustomerLookup.objects.filter(
            template_id=group["template_id"], field=group["field"], digest=group["digest"]
        ).update(unique=False)


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0001_initial"),
        ("templates", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="customerlookup",
            name="template",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="templates.template",
            ),
        ),
        migrations.AddField(
            model_name="customerlookup",
            name="unique",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(mark_unique_values, migrations.RunPython.noop),
    ]
