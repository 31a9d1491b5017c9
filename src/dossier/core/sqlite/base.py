"""Django's SQLite backend, told the parameter limit of the SQLite it actually runs on.

Django assumes 999 parameters a statement (SQLite's compile-time default before 3.32), so a
bulk insert of customers (some 30 columns) went in statements of 33 rows. SQLite 3.32 and
later allow 32766 (Debian builds 250000); with the real limit a batch of 1,000 customers is
one statement, as on PostgreSQL.
"""

from __future__ import annotations

import sqlite3

from django.db.backends.sqlite3 import base, features
from django.utils.functional import cached_property


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self) -> int:  # type: ignore[override]
        self.connection.ensure_connection()
        limit: int = self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        return limit


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
