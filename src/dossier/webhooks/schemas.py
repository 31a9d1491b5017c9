"""API shapes of webhooks. Explicit fields only (a subscription's secret only when created)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema

from dossier.core.schemas import OneOf, documented
from dossier.outbox.models import EVENT_NAMES

#: a name: no control characters, one character that is not white space
NAME = r"^[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x1f\x7f]*$"
# checked by the services (their refusals name the field in the caller's language)
NAME_RULES = documented(minLength=1, maxLength=100, pattern=NAME)
URL_RULES = documented(minLength=1, maxLength=2000)
EventName = Annotated[str, OneOf(EVENT_NAMES)]
URL_HELP = (
    "https:// address of your receiver (http:// only where the server allows it). Hosts that "
    "resolve to private, loopback, link-local, multicast or reserved addresses are refused, "
    "now and again before every delivery."
)


class SubscriptionIn(Schema):
    name: str = Field(..., json_schema_extra=NAME_RULES)
    url: str = Field(..., description=URL_HELP, json_schema_extra=URL_RULES)
    events: list[EventName] = Field(..., min_length=1, max_length=len(EVENT_NAMES))
    active: bool = True


class SubscriptionPatch(Schema):
    name: str | None = Field(None, json_schema_extra=NAME_RULES)
    url: str | None = Field(None, description=URL_HELP, json_schema_extra=URL_RULES)
    events: list[EventName] | None = Field(None, min_length=1, max_length=len(EVENT_NAMES))
    active: bool | None = None


class SubscriptionOut(Schema):
    id: int
    name: str
    url: str
    host: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(..., description="The signing secret: shown only in this response.")


class SubscriptionPageOut(Schema):
    items: list[SubscriptionOut]
    next_cursor: str | None


class AttemptOut(Schema):
    number: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event: str = Field(..., description="The event name, or `ping` for a test delivery.")
    event_id: int | None
    status: str = Field(..., description="pending, sending, delivered, failed or skipped.")
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str = Field(
        ...,
        description=(
            "Why the last attempt failed (`http_500`, `timeout`, `refused: …`), or why nothing "
            "was sent (`not_visible`: the owner may not see the object)."
        ),
    )
    redelivery_of: int | None
    created_at: datetime
    finished_at: datetime | None
    attempt_log: list[AttemptOut]


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None
