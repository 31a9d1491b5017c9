"""Each key rotation run in the audit log: one event a run, with its counts and never a value."""

from __future__ import annotations

from django.db import transaction

from dossier.audit.models import AuditEvent
from dossier.audit.services import record_audit
from dossier.core.actors import system_actor
from dossier.protection.rotation import RotationResult, register_run_recorder

#: the audit event's object type (its object id is the key every value was re-sealed with)
OBJECT_TYPE = "encryption_keys"


def record_rotation(result: RotationResult) -> None:
    """Append the run's event: the key, how many values and rows, and what was left behind."""
    with transaction.atomic():
        record_audit(
            actor=system_actor("keys-rotate"),
            action=AuditEvent.Action.UPDATE,
            object_type=OBJECT_TYPE,
            object_id=result.current_key,
            changes={
                "key": result.current_key,
                "pending": result.pending,
                "rotated": result.rotated,
                "rows": result.rows,
                "conflicts": result.conflicts,
                "unreadable": dict(sorted(result.unreadable.items())),
                "passes": result.passes,
                "finished": result.finished,
            },
            reason=(
                "key rotation" if result.finished else "key rotation interrupted (run it again)"
            ),
        )


def register_rotation_audit() -> None:
    """Have every rotation run recorded (called when the privacy app is ready)."""
    register_run_recorder(record_rotation)
