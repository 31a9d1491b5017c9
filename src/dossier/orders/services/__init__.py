"""Writes of the orders app: catalogue, orders (one or a bulk sync), changes, external ids."""

from dossier.orders.services.catalogue import create_product, update_product
from dossier.orders.services.changes import change_status, refund_order, return_items
from dossier.orders.services.external_ids import attach_external_id
from dossier.orders.services.placing import place_order
from dossier.orders.services.sync import MAX_ORDERS, OrderOutcome, SyncResult, sync_orders

__all__ = [
    "MAX_ORDERS",
    "OrderOutcome",
    "SyncResult",
    "attach_external_id",
    "change_status",
    "create_product",
    "place_order",
    "refund_order",
    "return_items",
    "sync_orders",
    "update_product",
]
