"""Unique template fields become unique in the database: a partial unique index on lookups.

Each lookup gets its customer's template and a ``unique`` flag. The flag is set for the value
of a field the customer's version marks unique, of a customer not deleted, unless another
customer not deleted holds the same value too: existing duplicates cannot go into a unique
index, so they stay out of it (flag false) and the application still refuses the value to
anyone new. The next edit that changes such a value, or finds it no longer shared, puts it
into the index (see ``customers.services.storage``).
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def mark_unique_values(apps: Any, schema_editor: Any) -> None:
    Customer = apps.get_model("customers", "Customer")
    CustomerLookup = apps.get_model("customers", "CustomerLookup")
    TemplateField = apps.get_model("templates", "TemplateField")
    CustomerLookup.objects.update(
        template_id=Subquery(
            Customer.objects.filter(pk=OuterRef("customer_id")).values("template_id")[:1]
        )
    )
    live = CustomerLookup.objects.filter(customer__deleted_at__isnull=True)
    shared = live.filter(
        template_id=OuterRef("template_id"), field=OuterRef("field"), digest=OuterRef("digest")
    ).exclude(pk=OuterRef("pk"))
    # one statement per unique field of each version (there are few), not one per customer;
    # a value another live customer holds too stays out, so no statement breaks the index
    for version_id, key in TemplateField.objects.filter(unique=True).values_list(
        "version_id", "key"
    ):
        live.filter(field=key, customer__template_version_id=version_id).exclude(
            Exists(shared)
        ).update(unique=True)


class Migration(migrations.Migration):
    # PostgreSQL: the new foreign key's index and constraint are created at the end of the
    # migration; in one transaction with the rows the fill just updated, it refuses
    # ("pending trigger events"). Each statement commits on its own instead.
    atomic = False

    dependencies = [
        ("customers", "0002_protect_identifier_values"),
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
