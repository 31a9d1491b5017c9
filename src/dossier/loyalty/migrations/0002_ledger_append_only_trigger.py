"""On PostgreSQL, refuse changes to the points ledger in the database itself.

Deletes are refused by dossier_refuse_change() (the privacy app's function, which a backup
restore knows to lift). Updates by a function of our own that lets ``customer_id`` alone
change: a merge moves the merged customer's entries to the survivor, nothing else moves.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION loyalty_refuse_change_but_owner() RETURNS trigger AS $$
BEGIN
    IF (to_jsonb(NEW) - 'customer_id') = (to_jsonb(OLD) - 'customer_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'append-only table %: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER loyalty_pointsentry_append_only
    BEFORE DELETE ON loyalty_pointsentry
    FOR EACH ROW EXECUTE FUNCTION dossier_refuse_change();
CREATE TRIGGER loyalty_pointsentry_owner_only
    BEFORE UPDATE ON loyalty_pointsentry
    FOR EACH ROW EXECUTE FUNCTION loyalty_refuse_change_but_owner();
"""
DROP = """
DROP TRIGGER IF EXISTS loyalty_pointsentry_owner_only ON loyalty_pointsentry;
DROP TRIGGER IF EXISTS loyalty_pointsentry_append_only ON loyalty_pointsentry;
DROP FUNCTION IF EXISTS loyalty_refuse_change_but_owner();
"""


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        # params=None: run as is, so psycopg does not read the %s of RAISE as placeholders
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("loyalty", "0001_initial"),
        ("privacy", "0002_audit_append_only_trigger"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
