"""Privacy records: the append-only audit log, data-subject requests, erasure and retention."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dossier.protection.fields import EncryptedTextField

# ---- data-subject requests, restrictions, erasure (PIPL arts. 44–47, GDPR arts. 15–21) -------
#
# These tables name the customer by ``customer_id`` (a UUID, no foreign key), like the audit
# log: the privacy app sits below ``customers`` and the evidence of a request must outlive
# the customer row (a retention policy may delete it).


class SubjectRequest(models.Model):
    """A request from a customer about their own data, with its due date and outcome."""

    class Kind(models.TextChoices):
        ACCESS = "access", _("access")
        COPY = "copy", _("copy")
        CORRECTION = "correction", _("correction")
        DELETION = "deletion", _("deletion")
        RESTRICTION = "restriction", _("restriction of processing")
        OBJECTION = "objection", _("objection to marketing")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        COMPLETED = "completed", _("completed")
        REFUSED = "refused", _("refused")

    class Via(models.TextChoices):
        EMAIL = "email", _("e-mail")
        PHONE = "phone", _("phone")
        LETTER = "letter", _("letter")
        IN_PERSON = "in_person", _("in person")
        WEB = "web", _("web form")
        SELF_SERVICE = "self_service", _("self-service link")
        OTHER = "other", _("other")

    customer_id = models.UUIDField(db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    received_via = models.CharField(_("received via"), max_length=16, choices=Via.choices)
    received_at = models.DateTimeField(_("received"))
    due_at = models.DateTimeField(_("due"))
    #: what the customer asked for, in their words: may hold personal data, so encrypted
    note = EncryptedTextField(_("note"), context="subjectrequest.note")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    #: what was done, by name only (fields erased, channels withdrawn …)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["status", "due_at"], name="subjectrequest_open_due")]
        permissions = [
            ("handle_subjectrequest", "Can handle data-subject requests"),
            ("erase_customer", "Can erase (anonymise) a customer's personal data"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.customer_id} due {self.due_at:%Y-%m-%d}"

    @property
    def overdue(self) -> bool:
        """Still open after its due date."""
        return self.status == self.Status.OPEN and self.due_at < timezone.now()


class ProcessingRestriction(models.Model):
    """A customer's data held but not processed: entirely (restriction) or for marketing
    (objection). Active while ``lifted_at`` is empty."""

    class Scope(models.TextChoices):
        ALL = "all", _("all processing")
        MARKETING = "marketing", _("marketing")

    customer_id = models.UUIDField(db_index=True)
    scope = models.CharField(_("scope"), max_length=16, choices=Scope.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    request = models.ForeignKey(
        SubjectRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer_id", "scope"],
                condition=models.Q(lifted_at__isnull=True),
                name="restriction_active_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.customer_id}"


class CustomerTombstone(models.Model):
    """What is left to say that a customer was erased: when, why, by whom, which fields."""

    class Cause(models.TextChoices):
        REQUEST = "request", _("data-subject request")
        RETENTION = "retention", _("retention policy")

    class Mode(models.TextChoices):
        ANONYMISED = "anonymised", _("anonymised in place")
        DELETED = "deleted", _("deleted")

    customer_id = models.UUIDField(unique=True)
    erased_at = models.DateTimeField()
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    request = models.ForeignKey(
        SubjectRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cause = models.CharField(max_length=16, choices=Cause.choices)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.ANONYMISED)
    #: keys of the fields that were cleared (never their values)
    fields = models.JSONField(default=list, blank=True)
    #: the retention run that erased the customer (its report lists them from here)
    retention_run = models.ForeignKey(
        "RetentionRun", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.mode} {self.erased_at:%Y-%m-%d}"


class SelfServiceLink(models.Model):
    """The one live self-service link of a customer: issuing another replaces it.

    Only a digest of the link's nonce is kept; the link itself is signed with SECRET_KEY.
    """

    customer_id = models.UUIDField(unique=True)
    nonce_digest = models.CharField(max_length=64)
    #: the staff member on whose authority the customer's corrections are saved
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.customer_id} until {self.expires_at:%Y-%m-%d %H:%M}"


# ---- retention -------------------------------------------------------------------------------


class RetentionPolicy(models.Model):
    """How long one category of data is kept, and what happens to it then."""

    class Category(models.TextChoices):
        INACTIVE_CUSTOMER = (
            "inactive_customer_personal_data",
            _("personal data of inactive customers"),
        )
        DELETED_CUSTOMER = "deleted_customer", _("customers deleted by staff")
        AUDIT_LOG = "audit_log", _("audit log")

    class Action(models.TextChoices):
        ANONYMISE = "anonymise", _("anonymise")
        DELETE = "delete", _("delete")
        KEEP = "keep", _("keep (report only)")

    category = models.CharField(_("category"), max_length=40, choices=Category.choices, unique=True)
    months = models.PositiveIntegerField(_("months"))
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["category"]
        verbose_name_plural = "retention policies"

    def __str__(self) -> str:
        return f"{self.category}: {self.months} months, {self.action}"


class RetentionRun(models.Model):
    """The report of one retention run: what each policy matched and did, and to whom.

    Written as the run goes, batch by batch: a run without ``finished_at`` was stopped
    (or is still going) and the next run continues it from ``progress``.
    """

    started_at = models.DateTimeField()
    #: empty while the run is going or after it was stopped half-way
    finished_at = models.DateTimeField(null=True, blank=True)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: per category: {"action", "months", "cutoff", "matched", "anonymised", "deleted"}
    counts = models.JSONField(default=dict)
    #: {"anonymised": [customer ids], "deleted": [customer ids]}, filled when it finishes
    #: (and "skipped": customers busy in another transaction, left to the next run)
    customer_ids = models.JSONField(default=dict)
    #: where the run stands: its moment, the policies it applies and, per category, the
    #: last customer id done and whether the category is through
    progress = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"retention run {self.started_at:%Y-%m-%d %H:%M}"
