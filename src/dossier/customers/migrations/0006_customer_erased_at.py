from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0004_lookup_unique_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="customer",
            name="erased_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
    ]
