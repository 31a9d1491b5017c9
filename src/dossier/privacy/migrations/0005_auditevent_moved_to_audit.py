from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0004_audit_actions_for_lowered_classification"),
        ("audit", "0001_initial"),
    ]

    # The audit log moved to the audit app (audit.0001); only the state changes.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name="AuditEvent",
                ),
            ],
            database_operations=[],
        )
    ]
