"""The list's sort keys: the name in pinyin order (filled in for customers on file) and
indexes for the sorts by name and by last change."""

from django.conf import settings
from django.db import migrations, models

BATCH = 2000


def fill_sort_names(apps, schema_editor):
    from dossier.customers.names import sort_name

    Customer = apps.get_model("customers", "Customer")
    rows = Customer.objects.filter(erased_at__isnull=True).order_by("pk")
    last = None
    while True:
        batch = list(
            (rows if last is None else rows.filter(pk__gt=last)).only("pk", "display_name", "kind")[
                :BATCH
            ]
        )
        if not batch:
            return
        for customer in batch:
            customer.sort_name = sort_name(customer.display_name, person=customer.kind == "person")
        Customer.objects.bulk_update(batch, ["sort_name"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_access_generation_triggers"),
        ("customers", "0013_customertag_source"),
        ("templates", "0004_template_duplicate_policy"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="sort_name",
            field=models.CharField(blank=True, default="", max_length=120),
        ),
        migrations.RunPython(fill_sort_names, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["sort_name", "id"], name="customer_name_order"),
        ),
        migrations.AddIndex(
            model_name="customer",
            index=models.Index(fields=["updated_at", "id"], name="customer_updated_order"),
        ),
    ]
