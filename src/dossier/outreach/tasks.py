"""Background work of update campaigns (run by `dossier worker`)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def send_update_campaign(campaign_id: int) -> dict[str, Any]:
    """Send (or go on sending) a large campaign's links."""
    from dossier.outreach.sending import run_send

    campaign = run_send(campaign_id)
    return {"update_campaign": campaign_id, "state": campaign.state if campaign else None}
