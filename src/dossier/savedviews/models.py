"""Saved views of list pages, and each user's columns, page size and default view per list."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A named set of a list's query parameters (filters, sort, columns, page size).

    Personal, or shared with the owner's team: whoever is in the owner's team now sees it
    (the team is not copied, so a view follows its owner to another team).
    """

    id = models.BigAutoField(primary_key=True)
    #: the registered list it belongs to ("customers", "tickets" …), see ``registry``
    list_name = models.CharField(_("list"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    #: parameter → text or list of texts, as ``registry.checked_params`` accepted them
    params = models.JSONField(_("parameters"), default=dict)
    shared = models.BooleanField(_("shared with my team"), default=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["owner", "list_name"], name="savedview_owner_list")]
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list_name", "name"], name="savedview_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ListPreference(models.Model):
    """One user's choices on one list: columns, page size, the view opened by default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    list_name = models.CharField(_("list"), max_length=40)
    #: chosen column keys in order; empty: the list's own default columns
    columns = models.JSONField(_("columns"), default=list)
    #: None: the list's own default page size
    page_size = models.PositiveIntegerField(_("page size"), null=True, blank=True)
    #: one default at most per user and list: this row is unique per (user, list)
    default_view = models.ForeignKey(
        SavedView, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name"], name="listpreference_unique")
        ]
