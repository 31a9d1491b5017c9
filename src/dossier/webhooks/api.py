"""REST endpoints of webhooks (mounted at /api/v1/webhooks). Thin: parse, call, return."""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field as Param
from ninja import Query, Router, Status

from dossier.accounts.auth import ApiRequest
from dossier.core.schemas import ERRORS, OneOf, RecordId
from dossier.webhooks import selectors, services
from dossier.webhooks.models import Delivery
from dossier.webhooks.schemas import (
    DeliveryOut,
    DeliveryPageOut,
    SubscriptionCreatedOut,
    SubscriptionIn,
    SubscriptionOut,
    SubscriptionPageOut,
    SubscriptionPatch,
)
from dossier.webhooks.signing import VERIFICATION_SNIPPET

router = Router(tags=["webhooks"])
Cursor = Annotated[str, Param(pattern=r"^[0-9]{0,18}$")]
DeliveryStatus = Annotated[str, OneOf(("", *Delivery.Status.values), checked=True)]

CREATE_HELP = f"""Subscribe a receiver to events; the answer holds the signing secret, this once.

Admins and managers keep their own subscriptions. Each delivery is a JSON POST carrying what
*you* may see of the object (masked as your role requires; nothing is sent, `skipped`, for
an object you may not see), with the headers `X-Dossier-Event`, `X-Dossier-Delivery` (the
same on every retry of one delivery) and `X-Dossier-Signature: t=<unix time>,v1=<hex
HMAC-SHA256(secret, "<t>.<raw body>")>`. Answer 2xx within 5 seconds; anything else
(redirects included, they are not followed) is retried after 1 min, 5 min, 30 min, 2 h and
12 h. Verify each request like this (Python):

```python
{VERIFICATION_SNIPPET}```
"""


@router.get("", response={200: SubscriptionPageOut, **ERRORS})
def list_subscriptions(
    request: ApiRequest, cursor: Cursor = "", limit: int = Query(50, ge=1, le=200)
) -> Any:
    """Your webhook subscriptions, newest first (never their secrets)."""
    page = selectors.subscription_page(actor=request.user, cursor=cursor, limit=limit)
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("", response={201: SubscriptionCreatedOut, **ERRORS}, description=CREATE_HELP)
def create_subscription(request: ApiRequest, payload: SubscriptionIn) -> Any:
    subscription, secret = services.create_subscription(actor=request.user, **payload.dict())
    body = selectors.present_subscription(subscription)
    return Status(201, {**body, "secret": secret})


@router.get("/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
def get_subscription(request: ApiRequest, subscription_id: RecordId) -> Any:
    """One of your subscriptions."""
    return selectors.get_subscription(actor=request.user, subscription_id=subscription_id)


@router.patch("/{subscription_id}", response={200: SubscriptionOut, **ERRORS})
def update_subscription(
    request: ApiRequest, subscription_id: RecordId, payload: SubscriptionPatch
) -> Any:
    """Change the name, target URL (checked again), events or whether it is active."""
    subscription = services.update_subscription(
        actor=request.user, subscription_id=subscription_id, **payload.dict()
    )
    return selectors.present_subscription(subscription)


@router.delete("/{subscription_id}", response={204: None, **ERRORS})
def delete_subscription(request: ApiRequest, subscription_id: RecordId) -> Any:
    """Remove a subscription and its delivery log."""
    services.delete_subscription(actor=request.user, subscription_id=subscription_id)
    return Status(204, None)


@router.post("/{subscription_id}/ping", response={200: DeliveryOut, **ERRORS})
def ping(request: ApiRequest, subscription_id: RecordId) -> Any:
    """Send a signed `ping` event now (inactive subscriptions too) and report how it went."""
    delivery = services.ping(actor=request.user, subscription_id=subscription_id)
    return selectors.get_delivery(actor=request.user, delivery_id=delivery.pk)


@router.get("/{subscription_id}/deliveries", response={200: DeliveryPageOut, **ERRORS})
def list_deliveries(
    request: ApiRequest,
    subscription_id: RecordId,
    status: DeliveryStatus = "",
    cursor: Cursor = "",
    limit: int = Query(50, ge=1, le=200),
) -> Any:
    """A subscription's deliveries, newest first, each with its attempts."""
    page = selectors.delivery_page(
        actor=request.user,
        subscription_id=subscription_id,
        cursor=cursor,
        limit=limit,
        status=status,
    )
    return {"items": page.items, "next_cursor": page.next_cursor}


@router.post("/deliveries/{delivery_id}/redeliver", response={202: DeliveryOut, **ERRORS})
def redeliver(request: ApiRequest, delivery_id: RecordId) -> Any:
    """Send a finished delivery's event again, as a new delivery (409 while still sending)."""
    delivery = services.redeliver(actor=request.user, delivery_id=delivery_id)
    return Status(202, selectors.get_delivery(actor=request.user, delivery_id=delivery.pk))
