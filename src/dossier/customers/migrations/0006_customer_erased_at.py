from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_phone_last4_lookups"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="erased_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
    ]
