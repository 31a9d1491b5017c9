"""Customers, their tags, shares and blind-index lookups."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dossier.accounts.models import Team
from dossier.customers.ids import uuid7
from dossier.protection.fields import EncryptedJSONField, EncryptedTextField
from dossier.templates.models import Template, TemplateVersion


class Customer(models.Model):
    """A customer profile: typed core columns plus attributes validated by its template version.

    Values classified personal or sensitive never sit in plaintext: the phone, e-mail and
    address columns and ``protected`` are encrypted; exact search goes through ``CustomerLookup``.
    """

    id = models.UUIDField(primary_key=True, default=uuid7, editable=False)
    kind = models.CharField(_("type"), max_length=16, default="person")
    display_name = models.CharField(_("name"), max_length=200)
    gender = models.CharField(_("gender"), max_length=16, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    phone = EncryptedTextField(_("phone"), context="customer.phone")
    email = EncryptedTextField(_("e-mail"), context="customer.email")
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = EncryptedTextField(_("address"), context="customer.address")
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=32, blank=True, db_index=True)
    lifecycle = models.CharField(_("lifecycle"), max_length=32, blank=True, db_index=True)

    # no index of its own: "customer_template_version" starts with it (one less per insert)
    template = models.ForeignKey(
        Template, on_delete=models.PROTECT, related_name="customers", db_index=False
    )
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="customers"
    )
    #: template values classified general
    attributes = models.JSONField(default=dict, blank=True)
    #: template values classified personal or sensitive, as one encrypted JSON object
    protected = EncryptedJSONField(context="customer.protected")
    #: simplified name, pinyin and initials (and company) for the search box
    search_text = models.CharField(max_length=600, blank=True)
    #: the key names sort by: pinyin syllables, then the name (``names.sort_name``)
    sort_name = models.CharField(max_length=120, blank=True, default="")

    # owner and team: indexed by "customer_owner_order" and "customer_team_order"
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        db_index=False,
    )
    team = models.ForeignKey(
        Team,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        db_index=False,
    )
    tags: models.ManyToManyField[Tag, CustomerTag] = models.ManyToManyField(
        "Tag", through="CustomerTag", related_name="customers", blank=True
    )

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)
    #: when the privacy app erased (anonymised) the customer's personal data; its tombstone
    #: holds the evidence. Nothing may change an erased customer again.
    erased_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # an owner's (a team's) customers newest first, and with the columns the access rule
            # and the list's parts test: their ids are read from the index alone (PostgreSQL)
            models.Index(
                fields=["owner", "id"],
                include=["deleted_at", "erased_at", "team", "template"],
                name="customer_owner_order",
            ),
            models.Index(
                fields=["team", "id"],
                include=["deleted_at", "erased_at", "owner", "template"],
                name="customer_team_order",
            ),
            # the list's sorts within an owner's (a team's) live customers: access.restrict_parts
            models.Index(
                fields=["owner", "sort_name", "id"],
                condition=Q(deleted_at__isnull=True),
                name="customer_owner_name",
            ),
            models.Index(
                fields=["owner", "updated_at", "id"],
                condition=Q(deleted_at__isnull=True),
                name="customer_owner_updated",
            ),
            models.Index(
                fields=["team", "sort_name", "id"],
                condition=Q(deleted_at__isnull=True),
                name="customer_team_name",
            ),
            models.Index(
                fields=["team", "updated_at", "id"],
                condition=Q(deleted_at__isnull=True),
                name="customer_team_updated",
            ),
            models.Index(fields=["template", "template_version"], name="customer_template_version"),
            # the list's sorts: keyset pages read these in order (the id breaks ties)
            models.Index(fields=["sort_name", "id"], name="customer_name_order"),
            models.Index(fields=["updated_at", "id"], name="customer_updated_order"),
            models.Index(fields=["created_at", "id"], name="customer_created_order"),
        ]
        permissions = [
            ("view_personal_customer", "Can see customers' personal data unmasked"),
            ("reveal_customer", "Can reveal a customer's sensitive data, with a reason"),
            ("export_customer", "Can export customers"),
        ]

    def __str__(self) -> str:
        return self.display_name


class CustomerLookup(models.Model):
    """A keyed blind index of one identifying value (phone, e-mail, 身份证 …) of a customer.

    ``field`` is the field key for an exact lookup, or ``<key>:<kind>`` for a lookup of part
    of a value: kind ``last4`` indexes a phone's last four digits (a service desk's search).

    ``unique`` rows are the values the database itself keeps unique within a template: the
    value of a field its version marks unique, of a customer not deleted. A value that was
    already shared by several customers when the index came (migration 0002) stays out of it
    until an edit changes it or finds it no longer shared.
    """

    #: the lookup kind of a phone's last four digits
    LAST4 = "last4"

    # indexed by "lookup_customer_field", which starts with it
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="lookups", db_index=False
    )
    #: the customer's template, copied here so the unique index needs no join
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    unique = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["digest", "field"], name="lookup_digest")]
        constraints = [
            models.UniqueConstraint(fields=["customer", "field"], name="lookup_customer_field"),
            models.UniqueConstraint(
                fields=["template", "field", "digest"],
                condition=models.Q(unique=True),
                name="lookup_unique_value",
            ),
        ]


class Tag(models.Model):
    """A label on customers (VIP, 老客户 …), with a colour and an optional group."""

    name = models.CharField(_("name"), max_length=50)
    group = models.CharField(_("group"), max_length=50, blank=True)
    colour = models.CharField(_("colour"), max_length=7, default="#6b7280")
    created_at = models.DateTimeField(auto_now_add=True)
    #: customers (not deleted) carrying the tag, kept by the customer services
    customer_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["group", "name"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="tag_group_name")]

    def __str__(self) -> str:
        return f"{self.group}/{self.name}" if self.group else self.name


class CustomerTag(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)
    added_at = models.DateTimeField(auto_now_add=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: empty when staff (or an import) added it; "rule:<id>:<name>" when a tag rule did, which
    #: also removes it when the customer no longer matches (never a tag staff added)
    source = models.CharField(max_length=120, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "tag"], name="customer_tag_once")
        ]
        # the tag filter of the list: a tag's customers, newest first
        indexes = [models.Index(fields=["tag", "customer"], name="customer_tag_by_tag")]

    @property
    def rule_name(self) -> str:
        """The name of the rule that added the tag, or ""."""
        return self.source.split(":", 2)[2] if self.source.startswith("rule:") else ""


class TagOwnerCount(models.Model):
    """How many live customers of one owner, team and template carry a tag, kept by the services.

    The rows split each tag's ``customer_count`` by what access control looks at, so the tags
    page of someone who sees only their own (and their team's) customers sums a few rows
    instead of counting customers (see ``counts.visible_tag_counts``). ``owner_id`` and
    ``team_id`` are plain ids, 0 for none: the key (tag, owner, team, template) must be
    unique on both databases for the counts' upsert, and NULLs never clash in a unique index.
    """

    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    owner_id = models.IntegerField(default=0)
    team_id = models.IntegerField(default=0)
    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="+")
    customer_count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tag", "owner_id", "team_id", "template"], name="tag_owner_count_key"
            )
        ]
        indexes = [
            models.Index(fields=["owner_id"], name="tag_owner_count_owner"),
            models.Index(fields=["team_id"], name="tag_owner_count_team"),
        ]


class CustomerShare(models.Model):
    """A customer shared with a colleague, who then sees and works on it too."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["customer", "user"], name="customer_share_once")
        ]
