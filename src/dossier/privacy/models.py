"""The audit log: append-only, never updated or deleted by the application."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or delete an append-only row."""


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk update() and delete() refused too, not only a row's save() and delete()."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events are never changed")

    def delete(self) -> Any:
        raise AppendOnlyError("audit events are never deleted")


class AuditEvent(models.Model):
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

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("audit events are never deleted")
