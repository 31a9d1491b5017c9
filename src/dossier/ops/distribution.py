"""The Citus distribution plan (docs/scaling.md) as data, checked against the models by a test.

Customer-data tables (the customer-data registry) are distributed by ``customer_id`` and
co-located with ``customers_customer`` (distributed by ``id``); the small shared tables
are reference tables. A unique constraint of a distributed table can only be enforced when
it contains the distribution column: each one that does not is listed here with what the
plan does about it, so a new one fails the test until the plan says.
"""

from __future__ import annotations

from django.db import models

#: tables copied to every node (small, read by joins from every shard)
REFERENCE_TABLES = [
    "auth.User",
    "auth.Group",
    "accounts.Team",
    "templates.Template",
    "templates.TemplateVersion",
    "templates.TemplateField",
    "orders.Product",
    "campaigns.Campaign",
    "loyalty.Programme",
    "loyalty.Tier",
    "loyalty.CouponCampaign",
    "insights.Segment",
    "insights.TagRule",
    "customers.Tag",
]

#: registered tables the plan does not co-locate with the customer, and why
NOT_CO_LOCATED: dict[str, str] = {
    "audit.AuditEvent": (
        "customer_id is empty for most events (log-ins, settings), and a distribution "
        "column may not be NULL: distributed by its own id; a customer's events fan out"
    ),
    "capture.CaptureSubmission": (
        "a submission waiting for its code has no customer yet: distributed by its own id "
        "(public_id); few rows, read by form, never joined with a customer's others"
    ),
    "verification.VerificationCode": (
        "a code checking a value before any customer exists has no customer: distributed by "
        "its own id; short-lived rows, never joined with a customer's others"
    ),
}

#: unique sets of distributed tables that lack customer_id: (model, fields) → the plan
UNIQUE_WITHOUT_CUSTOMER: dict[tuple[str, tuple[str, ...]], str] = {
    ("customers.CustomerLookup", ("template", "field", "digest")): (
        "global uniqueness of a value (one phone per template): keep a lookup table "
        "distributed by digest, checked in the same transaction (or a reference table)"
    ),
    ("consent.ConsentConfirmation", ("code_digest",)): (
        "the link's code finds the confirmation: a random 256-bit code cannot collide; "
        "enforce (customer_id, code_digest) and look the code up through a digest index"
    ),
    ("consent.ConsentConfirmation", ("request_event",)): (
        "an event id belongs to one customer: (customer_id, request_event) is equivalent"
    ),
    ("consent.ConsentConfirmation", ("grant_event",)): (
        "an event id belongs to one customer: (customer_id, grant_event) is equivalent"
    ),
    ("activity.TimelineEntry", ("kind", "object_id")): (
        "the object belongs to one customer: (customer_id, kind, object_id) is equivalent"
    ),
    ("loyalty.PointsEntry", ("order",)): (
        "an order belongs to one customer (co-located): (customer_id, order) is equivalent"
    ),
    ("loyalty.Coupon", ("code",)): (
        "coupon codes are looked up at the till without a customer: keep a code table "
        "distributed by code (or by hash of it) beside the coupons"
    ),
    ("orders.Order", ("source", "external_id")): (
        "an external order id is unique per source across customers: a lookup table "
        "distributed by (source, external_id), written with the order"
    ),
    ("capture.CaptureSubmission", ("public_id",)): (
        "not co-located (see NOT_CO_LOCATED): distributed by its own id, so unique as it is"
    ),
    ("orders.CustomerExternalId", ("source", "external_id")): (
        "the same: which customer an external id names must be global; a lookup table "
        "distributed by external_id"
    ),
}


def distribution_column(model: type[models.Model], customer_field: str) -> str | None:
    """The column name a registry entry's customer field is stored in, None when absent."""
    for field in model._meta.concrete_fields:
        if customer_field in (field.name, field.attname):
            return str(field.column)
    return None


def unique_sets(model: type[models.Model]) -> list[tuple[str, ...]]:
    """Every unique set of a model (unique fields, constraints, unique_together), by name."""
    found: list[tuple[str, ...]] = [
        (f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key
    ]
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            found.append(tuple(constraint.fields))
    found.extend(tuple(names) for names in model._meta.unique_together)
    return found


def lacks_column(model: type[models.Model], names: tuple[str, ...], column: str) -> bool:
    """Whether a unique set misses the distribution column."""
    columns = {model._meta.get_field(name).column for name in names}  # type: ignore[union-attr]
    return column not in columns
