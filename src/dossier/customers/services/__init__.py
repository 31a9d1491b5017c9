"""Every write to customers and tags: plain functions, keyword arguments, one transaction."""

from dossier.customers.services.batches import BatchResult, create_customers, upsert_customers
from dossier.customers.services.migration import migrate_customers, start_migration
from dossier.customers.services.profiles import (
    assign_owner,
    check_may_create,
    create_customer,
    delete_customer,
    refuse_if_erased,
    restore_customer,
    share_customer,
    update_customer,
)
from dossier.customers.services.removal import Removal, remove_created_customers
from dossier.customers.services.reveal import reveal_values
from dossier.customers.services.tags import create_tag, delete_tag, set_customer_tags, update_tag

__all__ = [
    "BatchResult",
    "Removal",
    "assign_owner",
    "check_may_create",
    "create_customer",
    "create_customers",
    "create_tag",
    "delete_customer",
    "delete_tag",
    "migrate_customers",
    "refuse_if_erased",
    "remove_created_customers",
    "restore_customer",
    "reveal_values",
    "set_customer_tags",
    "share_customer",
    "start_migration",
    "update_customer",
    "update_tag",
    "upsert_customers",
]
