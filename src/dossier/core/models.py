"""The foundations' one table: counters that every process shares."""

from __future__ import annotations

from django.db import models


class Counter(models.Model):
    """Events counted in a window (log-in failures, API calls, form posts): see ``counters``.

    Only used when the shared cache is the database; with Redis the counts live there, and a
    per-process cache (tests, one process) counts in memory.
    """

    key = models.CharField(max_length=250, primary_key=True)
    count = models.BigIntegerField()
    #: seconds since the epoch: compared in one SQL expression on both databases
    expires = models.FloatField(db_index=True)

    class Meta:
        db_table = "dossier_counter"

    def __str__(self) -> str:
        return f"{self.key} = {self.count}"
