"""Any change to who may do what bumps the access generation, in the database itself.

API calls keep a token's user, permissions, role and team from one call to the next and
re-read the access generation on every call (``accounts.services.authenticate_token``).
The services bump it; these triggers also catch a change made around them (a shell, SQL,
another tool), so it too applies on the very next call: roles (group membership), a role's
permissions, a user's own permissions, superuser and staff flags, teams, a token's scope.
"""

from django.db import migrations

GENERATION = "accounts_accessgeneration"
BUMP = f"UPDATE {GENERATION} SET value = value + 1 WHERE id = 1"
# (table, the columns whose update counts, or None for any insert, update or delete)
WATCHED = [
    ("auth_user_groups", None),
    ("auth_group_permissions", None),
    ("auth_user_user_permissions", None),
    ("auth_group", None),
    ("auth_permission", None),
    ("accounts_membership", None),
    ("auth_user", "is_superuser, is_staff"),
    ("accounts_apitoken", "scope"),
]


def _name(table: str, event: str) -> str:
    return f"dossier_access_{table}_{event}"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(
            "CREATE OR REPLACE FUNCTION dossier_bump_access_generation() RETURNS trigger AS $$ "
            f"BEGIN {BUMP}; RETURN NULL; END; $$ LANGUAGE plpgsql",
            params=None,
        )
        for table, columns in WATCHED:
            events = f"UPDATE OF {columns}" if columns else "INSERT OR UPDATE OR DELETE"
            execute(
                f"CREATE TRIGGER {_name(table, 'change')} AFTER {events} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION dossier_bump_access_generation()",
                params=None,
            )
    elif schema_editor.connection.vendor == "sqlite":
        for table, columns in WATCHED:
            events = (
                [("update", f"UPDATE OF {columns}")]
                if columns
                else [("insert", "INSERT"), ("update", "UPDATE"), ("delete", "DELETE")]
            )
            for event, clause in events:
                execute(
                    f"CREATE TRIGGER {_name(table, event)} AFTER {clause} ON {table} "
                    f"BEGIN {BUMP}; END",
                    params=None,
                )


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table, _columns in WATCHED:
            execute(f"DROP TRIGGER IF EXISTS {_name(table, 'change')} ON {table}", params=None)
        execute("DROP FUNCTION IF EXISTS dossier_bump_access_generation()", params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for table, _columns in WATCHED:
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_token_parent_and_access_generation"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    operations = [migrations.RunPython(forwards, backwards)]
