"""The short-token function of the search index in PL/pgSQL: the same pieces, cheaper per row.

The GIN index over it stays valid: it holds each row's distinct pieces, which do not change.
"""

from django.db import migrations

from dossier.customers import search_index

#: the function as migration 0008 made it (to go back)
_SQL_FUNCTION = """
    CREATE OR REPLACE FUNCTION dossier_short_tokens(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT COST 200 AS $$
      SELECT coalesce(array_agg(DISTINCT substr(w, i, n)), '{}')
      FROM unnest(string_to_array(t, ' ')) AS w,
           generate_series(1, 2) AS n,
           generate_series(1, length(w) - n + 1) AS i
    $$
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(search_index.SHORT_TOKENS_FUNCTION)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_SQL_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [("customers", "0016_list_indexes_by_owner_and_team")]

    operations = [migrations.RunPython(forward, backward)]
