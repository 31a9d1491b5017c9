"""What the operations app stores: the heartbeat of each running ``dossier worker``."""

from __future__ import annotations

from django.db import models


class WorkerBeat(models.Model):
    """A worker's last sign of life: a task it holds is lost once this goes quiet too long."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"worker {self.worker_id} (pid {self.pid} on {self.host})"
