"""Background work of webhooks (run by `dossier worker`)."""

from django_tasks import task


@task()
def deliver_webhook(delivery_id: int) -> str:
    """Make the next attempt of one delivery; its status afterwards."""
    from dossier.webhooks.services import attempt_delivery

    delivery = attempt_delivery(delivery_id=delivery_id)
    return delivery.status if delivery is not None else "not_due"


@task()
def deliver_due_webhooks() -> int:
    """Send every delivery whose next attempt is due (a safety net for lost tasks)."""
    from dossier.webhooks.services import deliver_due

    return deliver_due()
