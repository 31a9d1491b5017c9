"""Every write to customers and tags: plain functions, keyword arguments, one transaction."""

from .batches import BatchResult, create_customers, upsert_customers
from .migration import migrate_customers, start_migration
from .profiles import (
    assign_owner,
    check_may_create,
    create_customer,
    delete_customer,
    restore_customer,
    share_customer,
    update_customer,
)
from .reveal import reveal_values
from .tags import create_tag, delete_tag, set_customer_tags, update_tag

__all__ = [
    "BatchResult",
    "assign_owner",
    "check_may_create",
    "create_customer",
    "create_customers",
    "create_tag",
    "delete_customer",
    "delete_tag",
    "migrate_customers",
    "restore_customer",
    "reveal_values",
    "set_customer_tags",
    "share_customer",
    "start_migration",
    "update_customer",
    "update_tag",
    "upsert_customers",
]
