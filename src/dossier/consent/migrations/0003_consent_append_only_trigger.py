"""On PostgreSQL, refuse UPDATE and DELETE on consent events in the database itself.

Reuses the function dossier_refuse_change() that the privacy app's audit trigger created.
"""

from django.db import migrations

CREATE = """
CREATE TRIGGER consent_consentevent_append_only
    BEFORE UPDATE OR DELETE ON consent_consentevent
    FOR EACH ROW EXECUTE FUNCTION dossier_refuse_change();
"""
DROP = """
DROP TRIGGER IF EXISTS consent_consentevent_append_only ON consent_consentevent;
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_default_purposes"),
        ("privacy", "0002_audit_append_only_trigger"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
