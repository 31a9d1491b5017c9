"""Profile templates (模板), their versions and field definitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dossier.core.fields import FieldSpec
from dossier.templates.core_fields import merge_specs


class Scenario(models.TextChoices):
    SALES = "sales", _("Sales")
    AFTER_SALES = "after_sales", _("After-sales service")
    MARKETING = "marketing", _("Marketing")
    RETAIL_MEMBER = "retail_member", _("Retail member")
    B2B_ACCOUNT = "b2b_account", _("B2B account")
    REAL_ESTATE = "real_estate", _("Real-estate buyer")
    FINANCIAL = "financial", _("Financial client")
    OTHER = "other", _("Other")


class DuplicatePolicy(models.TextChoices):
    """What creating a customer that likely duplicates one on file does."""

    BLOCK = "block", _("refuse it")
    WARN = "warn", _("warn, save when confirmed")
    ALLOW = "allow", _("save without checking")


class Template(models.Model):
    """A named field schema for one business scenario; its versions hold the fields."""

    key = models.SlugField(_("key"), max_length=64, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    scenario = models.CharField(_("scenario"), max_length=32, choices=Scenario.choices)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    builtin = models.BooleanField(default=False)
    current_version = models.ForeignKey(
        "TemplateVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    duplicate_policy = models.CharField(
        _("likely duplicates at entry"),
        max_length=8,
        choices=DuplicatePolicy.choices,
        default=DuplicatePolicy.WARN,
    )
    #: customers (not deleted) of this template, kept by the customer services
    customer_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["key"]
        permissions = [
            ("publish_template", "Can publish a template version"),
            ("migrate_template", "Can migrate profiles to a newer template version"),
            # an administrator's act: lowering exposes data, so it takes a reason and is audited
            ("lower_classification", "Can lower a field's classification and decrypt profiles"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the user's language; the Chinese one when there is no English one."""
        return _in_language(self.name_zh, self.name_en)

    @property
    def localized_description(self) -> str:
        """The description in the user's language, else the one there is."""
        return _in_language(self.description, self.description_en)


def _in_language(chinese: str, english: str) -> str:
    """Chinese for Chinese pages, English for the others; either when the other is blank."""
    language = get_language() or "zh-hans"
    first, second = (chinese, english) if language.startswith("zh") else (english, chinese)
    return first or second


class TemplateVersion(models.Model):
    """One version of a template. A published version never changes."""

    DRAFT, PUBLISHED = "draft", "published"

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=16, choices=[(DRAFT, _("draft")), (PUBLISHED, _("published"))]
    )
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["template", "number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.template.key} v{self.number}"

    def own_specs(self) -> list[FieldSpec]:
        """The version's own field definitions, in order."""
        return [f.spec() for f in self.fields.all()]

    def specs(self) -> list[FieldSpec]:
        """Every field a customer on this version has: core fields, then the template's."""
        cached = getattr(self, "_specs", None)
        if cached is None:
            cached = merge_specs(self.own_specs())
            self._specs = cached
        return cached


class TemplateField(models.Model):
    """A field definition inside one template version."""

    version = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="fields")
    position = models.PositiveIntegerField()
    key = models.CharField(max_length=64)
    type = models.CharField(max_length=32)
    label_zh = models.CharField(max_length=100, blank=True)
    label_en = models.CharField(max_length=100, blank=True)
    required = models.BooleanField(default=False)
    unique = models.BooleanField(default=False)
    rules = models.JSONField(default=dict, blank=True)
    default = models.JSONField(null=True, blank=True)
    help_zh = models.CharField(max_length=300, blank=True)
    help_en = models.CharField(max_length=300, blank=True)
    classification = models.CharField(max_length=16, default="general")
    section = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="template_field_key")
        ]

    def __str__(self) -> str:
        return self.key

    def spec(self) -> FieldSpec:
        return FieldSpec(
            key=self.key,
            type=self.type,
            label_zh=self.label_zh,
            label_en=self.label_en,
            required=self.required,
            unique=self.unique,
            rules=self.rules or {},
            default=self.default,
            help_zh=self.help_zh,
            help_en=self.help_en,
            classification=self.classification,
            section=self.section,
        )


class ProfileMigration(models.Model):
    """A run that moves a template's customers to a newer version, with its report."""

    QUEUED, RUNNING, DONE = "queued", "running", "done"

    template = models.ForeignKey(Template, on_delete=models.CASCADE, related_name="migrations")
    target = models.ForeignKey(TemplateVersion, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, default=QUEUED)
    migrated = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # [{"customer": uuid, "name": ..., "errors": [{field, code, message}]}]
    failures = models.JSONField(default=list, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    #: an administrator confirmed that values may move out of encryption (see start_migration)
    decrypt_confirmed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
