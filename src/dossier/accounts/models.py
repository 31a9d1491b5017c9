"""Teams, memberships and API tokens. Users and roles are Django's users and groups."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    """A sales, service or marketing team; managers see their team's customers."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Which team a user works in (one team per user)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")


class ApiToken(models.Model):
    """A per-user API token. Only a SHA-256 digest of the secret is stored."""

    READ = "read"
    READ_WRITE = "read_write"
    SCOPES = [(READ, _("read")), (READ_WRITE, _("read and write"))]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=16, choices=SCOPES, default=READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # the token whose call created this one: revoking it revokes this one too
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def can_write(self) -> bool:
        return self.scope == self.READ_WRITE


class AccessGeneration(models.Model):
    """One row whose number grows whenever a token, role, team or account changes.

    Every API call reads it (with the token's own row) so that a process that remembers a token
    notices at once a change made by another process, the CLI included.
    """

    value = models.BigIntegerField(default=0)
