"""The name search index (see ``dossier.customers.search_index``): pg_trgm and short-token GIN
indexes on PostgreSQL; an FTS5 trigram table and a token table, filled from the rows, on SQLite."""

from django.db import migrations

from dossier.customers import search_index


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {
        "postgresql": search_index.POSTGRES_CREATE,
        "sqlite": search_index.SQLITE_CREATE,
    }.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)
    if vendor == "sqlite":
        search_index.rebuild()


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {
        "postgresql": search_index.POSTGRES_DROP,
        "sqlite": search_index.SQLITE_DROP,
    }.get(vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_customer_counts")]

    operations = [migrations.RunPython(create, drop)]
