"""What happened to customer data, written in the transaction that did it (the outbox).

An event names what happened and to which object; it carries no personal values. Whoever
delivers it (webhooks) builds the payload at delivery time, for the receiver's eyes only.
"""

from __future__ import annotations

from django.db import models

#: every event name a subscriber may ask for
EVENT_NAMES = (
    "customer.created",
    "customer.updated",
    "customer.deleted",
    "order.created",
    "feedback.created",
    "ticket.changed",
    "task.due",
)


class Event(models.Model):
    """One thing that happened: its name, the object it happened to, who did it, when."""

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=40, db_index=True)
    # no foreign key: the outbox sits below the customers app, and an event outlives erasure
    customer_id = models.UUIDField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    actor_id = models.IntegerField(null=True, blank=True)
    #: small non-personal facts (a ticket's from/to states); never names, numbers or notes
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} {self.object_type}:{self.object_id}"
