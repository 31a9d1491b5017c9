import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # the table (and its PostgreSQL append-only trigger) was created by the privacy app
        ("privacy", "0004_audit_actions_for_lowered_classification"),
    ]

    # The audit log moved here from the privacy app; its table and rows stay where they are.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                ('actor_name', models.CharField(blank=True, max_length=150)),
                ('action', models.CharField(choices=[('create', 'create'), ('update', 'update'), ('delete', 'delete'), ('restore', 'restore'), ('view_sensitive', 'view sensitive data'), ('reveal', 'reveal'), ('export', 'export'), ('merge', 'merge'), ('login', 'log in'), ('login_failed', 'failed log-in'), ('logout', 'log out'), ('role_change', 'role change'), ('token_create', 'token created'), ('token_revoke', 'token revoked'), ('template_publish', 'template published'), ('template_migrate', 'profiles migrated'), ('classification_lower', 'field classification lowered'), ('profiles_decrypt', 'profile decryption confirmed')], db_index=True, max_length=32)),
                ('object_type', models.CharField(blank=True, max_length=50)),
                ('object_id', models.CharField(blank=True, max_length=64)),
                ('customer_id', models.UUIDField(blank=True, db_index=True, null=True)),
                ('changes', models.JSONField(blank=True, default=dict)),
                ('reason', models.CharField(blank=True, max_length=500)),
                ('ip', models.GenericIPAddressField(blank=True, null=True)),
                ('user_agent', models.CharField(blank=True, max_length=300)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'privacy_auditevent',
                'ordering': ['-at', '-id'],
            },
        ),
                ],
            database_operations=[],
        )
    ]
