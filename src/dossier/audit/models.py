"""The audit log: who did what, to which record, when and why. Append-only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dossier.audit.append_only import AppendOnlyModel


class AuditEvent(AppendOnlyModel):
    """Who did what, to which record, when, and why."""

    class Action(models.TextChoices):
        CREATE = "create", _("create")
        UPDATE = "update", _("update")
        DELETE = "delete", _("delete")
        RESTORE = "restore", _("restore")
        VIEW_SENSITIVE = "view_sensitive", _("view sensitive data")
        REVEAL = "reveal", _("reveal")
        EXPORT = "export", _("export")
        MERGE = "merge", _("merge")
        LOGIN = "login", _("log in")
        LOGIN_FAILED = "login_failed", _("failed log-in")
        LOGOUT = "logout", _("log out")
        ROLE_CHANGE = "role_change", _("role change")
        TOKEN_CREATE = "token_create", _("token created")
        TOKEN_REVOKE = "token_revoke", _("token revoked")
        TEMPLATE_PUBLISH = "template_publish", _("template published")
        TEMPLATE_MIGRATE = "template_migrate", _("profiles migrated")
        CLASSIFICATION_LOWER = "classification_lower", _("field classification lowered")
        PROFILES_DECRYPT = "profiles_decrypt", _("profile decryption confirmed")
        IMPORT = "import", _("import")
        IMPORT_UNDO = "import_undo", _("import undone")
        UNMERGE = "unmerge", _("merge undone")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    customer_id = models.UUIDField(null=True, blank=True, db_index=True)
    # Field names with masked before/after values; never plaintext personal data.
    changes = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        # created by the privacy app before the audit app existed; the table kept its name
        db_table = "privacy_auditevent"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_id}"
