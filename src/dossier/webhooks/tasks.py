"""Background work of webhooks (run by `dossier worker`)."""

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Make the next attempt of one delivery; its status afterwards."""
    from dossier.webhooks.services import attempt_delivery

    delivery = attempt_delivery(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "not_due"


@task()
def deliver_webhooks(delivery_ids: list[int]) -> int:
    """Make the first attempt of several deliveries in turn (a batch's events); how many went.

    Each stays a delivery of its own (its id, its retries); one that fails to be sent is
    logged and the others still go.
    """
    from dossier.webhooks.services import attempt_delivery

    made = 0
    for delivery_id in delivery_ids:
        try:
            made += attempt_delivery(delivery_id=delivery_id) is not None
        except Exception:
            logger.exception("webhook delivery %s failed", delivery_id)
    return made


@task()
def deliver_due_webhooks() -> int:
    """Send every delivery whose next attempt is due (a safety net for lost tasks)."""
    from dossier.webhooks.services import deliver_due

    return deliver_due()
