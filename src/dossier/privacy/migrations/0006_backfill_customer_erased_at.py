"""Customers erased before ``Customer.erased_at`` existed get it from their tombstone."""

from django.db import migrations


def backfill(apps, schema_editor):  # type: ignore[no-untyped-def]
    Customer = apps.get_model("customers", "Customer")
    CustomerTombstone = apps.get_model("privacy", "CustomerTombstone")
    for customer_id, erased_at in CustomerTombstone.objects.values_list(
        "customer_id", "erased_at"
    ).iterator():
        Customer.objects.filter(pk=customer_id, erased_at__isnull=True).update(erased_at=erased_at)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0005_auditevent_moved_to_audit"),
        ("customers", "0006_customer_erased_at"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
