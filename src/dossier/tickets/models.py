"""After-sales service tickets (售后工单) and the history of their states."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dossier.customers.models import Customer
from dossier.protection.fields import EncryptedTextField
from dossier.tickets import sla, transitions

STATUS_LABELS = {
    transitions.NEW: pgettext_lazy("ticket status", "new"),
    transitions.IN_PROGRESS: pgettext_lazy("ticket status", "in progress"),
    transitions.WAITING_ON_CUSTOMER: pgettext_lazy("ticket status", "waiting on customer"),
    transitions.RESOLVED: pgettext_lazy("ticket status", "resolved"),
    transitions.CLOSED: pgettext_lazy("ticket status", "closed"),
}
PRIORITY_LABELS = {
    sla.LOW: pgettext_lazy("ticket priority", "low"),
    sla.NORMAL: pgettext_lazy("ticket priority", "normal"),
    sla.HIGH: pgettext_lazy("ticket priority", "high"),
    sla.URGENT: pgettext_lazy("ticket priority", "urgent"),
}


class Ticket(models.Model):
    """A customer's after-sales request: what is wrong, how urgent, who works on it, by when."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tickets")
    #: what is wrong, often in the customer's words: personal, encrypted at rest (at most 200
    #: characters, checked by the service)
    subject = EncryptedTextField(_("subject"), context="tickets.subject")
    #: the customer's own account of the problem: personal free text, encrypted at rest
    description = EncryptedTextField(_("description"), context="tickets.description")
    status = models.CharField(
        _("status"),
        max_length=24,
        choices=list(STATUS_LABELS.items()),
        default=transitions.NEW,
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=list(PRIORITY_LABELS.items()), default=sla.NORMAL
    )
    #: the SLA due time, from the priority, counted from opening (or the last reopening)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tickets",
        verbose_name=_("assignee"),
    )
    # plain references: the orders app is built beside this one and may not be installed
    product_ref = models.CharField(_("product"), max_length=64, blank=True)
    order_ref = models.CharField(_("order"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # set by the services (not auto_now): the SLA counts from the same instant, and demo data
    # brings its own times
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "status"], name="ticket_customer_status"),
            models.Index(fields=["status", "due_at"], name="ticket_status_due"),
            models.Index(fields=["assignee", "status", "due_at"], name="ticket_assignee_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=transitions.STATUSES), name="ticket_status_known"
            ),
            models.CheckConstraint(
                condition=models.Q(priority__in=sla.PRIORITIES), name="ticket_priority_known"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def is_open(self) -> bool:
        """Whether the ticket still needs work."""
        return transitions.is_open(self.status)


class TicketTransition(models.Model):
    """One change of a ticket's state: from, to, by whom, when, and an optional note."""

    id = models.BigAutoField(primary_key=True)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transitions")
    #: the ticket's customer, copied so per-customer reads and erasure need no join
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    #: empty for the opening of the ticket
    from_status = models.CharField(max_length=24, blank=True)
    to_status = models.CharField(max_length=24)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: "system:<job>" or the user name at the time (kept when the user is gone)
    by_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField()
    #: staff's note on the change (may speak of the customer): encrypted at rest
    note = EncryptedTextField(_("note"), context="tickets.transition_note")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="ticket_transition_ticket_at")]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.from_status or '∅'} → {self.to_status}"
