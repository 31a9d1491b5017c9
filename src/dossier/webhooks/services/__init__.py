"""Webhook writes: subscriptions, fan-out of outbox events, delivery attempts."""

from dossier.webhooks.services.delivery import (
    attempt_delivery,
    deliver_due,
    ping,
    redeliver,
)
from dossier.webhooks.services.fanout import announce, fan_out
from dossier.webhooks.services.subscriptions import (
    check_may_manage,
    create_subscription,
    delete_subscription,
    may_manage,
    update_subscription,
)

__all__ = [
    "announce",
    "attempt_delivery",
    "check_may_manage",
    "create_subscription",
    "delete_subscription",
    "deliver_due",
    "fan_out",
    "may_manage",
    "ping",
    "redeliver",
    "update_subscription",
]
