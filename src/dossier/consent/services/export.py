"""The marketing audience export: consenting customers only, audited."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from dossier.audit.services import record_audit
from dossier.consent import selectors
from dossier.consent.models import Purpose
from dossier.core.actors import Actor


@dataclass
class MarketingExport:
    """The rows of an audited audience export."""

    purpose: str
    channel: str
    count: int
    rows: Iterator[dict[str, Any]]


@transaction.atomic
def export_marketing_audience(
    *,
    actor: Actor,
    channel: str,
    purpose: Purpose | str = selectors.MARKETING,
    ip: str | None = None,
    user_agent: str = "",
) -> MarketingExport:
    """The consenting customers the actor may export, for one channel; the export is audited."""
    audience = selectors.marketing_audience(actor=actor, purpose=purpose, channel=channel)
    found = selectors.get_purpose(purpose)
    count = audience.count()
    record_audit(
        actor=actor,
        action="export",
        object_type="consent",
        object_id=found.key,
        changes={"purpose": found.key, "channel": channel, "count": count},
        ip=ip,
        user_agent=user_agent,
    )
    return MarketingExport(
        purpose=found.key,
        channel=channel,
        count=count,
        rows=selectors.audience_rows(audience, actor=actor, channel=channel),
    )
