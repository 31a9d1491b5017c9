"""Coupon campaigns, coupons issued to customers, and redeeming a coupon once.

Codes come from :func:`dossier.loyalty.arithmetic.new_code` (the system's cryptographic
random source, no characters read for another). Redeeming is one conditional UPDATE
(``… WHERE redeemed_at IS NULL``): of two tills redeeming the same code at once, one wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.audit.services import record_audit, record_audit_many
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel, FieldSpec, validate_values
from dossier.customers.access import customer_for, may, restrict
from dossier.customers.models import Customer
from dossier.customers.registry import usable_for
from dossier.loyalty import arithmetic
from dossier.loyalty.access import campaign_for
from dossier.loyalty.models import Coupon, CouponCampaign
from dossier.loyalty.services.points import order_of_customer

MAX_ISSUE = 10_000
KIND = FieldLabel("kind", "类型", "Kind")
CODE = FieldLabel("code", "券码", "Code")
CUSTOMERS = FieldLabel("customer_ids", "客户", "Customers")


def _spec(key: str, type_name: str, zh: str, en: str, **more: Any) -> FieldSpec:
    return FieldSpec(key=key, type=type_name, label_zh=zh, label_en=en, **more)


FIELDS = [
    _spec("name", "text", "名称", "Name", required=True, rules={"max_length": 200}),
    _spec("value", "money", "面值", "Value", required=True),
    _spec("min_spend", "money", "最低消费", "Minimum spend"),
    _spec("valid_from", "datetime", "生效时间", "Valid from", required=True),
    _spec("valid_until", "datetime", "失效时间", "Valid until", required=True),
]
BY_KEY = {spec.key: spec for spec in FIELDS}


def _clean_campaign(values: dict[str, Any]) -> dict[str, Any]:
    typed = {key: value for key, value in values.items() if key in BY_KEY}
    result = validate_values(typed, FIELDS, apply_defaults=False)
    errors, clean = list(result.errors), result.clean
    if values.get("kind") not in CouponCampaign.Kind.values:
        errors.append(FieldError("invalid_choice", spec=KIND, value=str(values.get("kind"))[:32]))
    value = clean.get("value")
    if value is not None and value <= 0:
        errors.append(FieldError("too_small", spec=BY_KEY["value"], min="0.01"))
    elif value is not None and values.get("kind") == "percent" and value > 100:
        errors.append(FieldError("too_large", spec=BY_KEY["value"], max=100))
    if clean.get("min_spend") is not None and clean["min_spend"] < 0:
        errors.append(FieldError("too_small", spec=BY_KEY["min_spend"], min=0))
    starts, ends = clean.get("valid_from"), clean.get("valid_until")
    if starts is not None and ends is not None and ends <= starts:
        errors.append(
            FieldError("earlier_than_other", spec=BY_KEY["valid_until"], other=BY_KEY["valid_from"])
        )
    if errors:
        raise ValidationFailed(_("The coupon campaign could not be saved."), errors=errors)
    return clean


def create_coupon_campaign(
    *,
    actor: MaybeActor,
    name: Any,
    kind: Any,
    value: Any,
    valid_from: Any,
    valid_until: Any,
    min_spend: Any = "0",
) -> CouponCampaign:
    """A new coupon campaign: an amount or a percentage off, from a spend, for a period."""
    if not may(actor, "loyalty.add_couponcampaign"):
        raise PermissionDenied(_("You may not create coupon campaigns."))
    clean = _clean_campaign(
        {
            "name": name,
            "kind": kind,
            "value": value,
            "min_spend": min_spend,
            "valid_from": valid_from,
            "valid_until": valid_until,
        }
    )
    with transaction.atomic():
        campaign = CouponCampaign.objects.create(
            name=clean["name"],
            kind=kind,
            value=clean["value"],
            min_spend=clean.get("min_spend") or 0,
            valid_from=clean["valid_from"],
            valid_until=clean["valid_until"],
            created_by=person(actor),
        )
        record_audit(
            actor=actor,
            action="create",
            object_type="coupon_campaign",
            object_id=campaign.pk,
            changes={"name": campaign.name, "kind": kind, "value": str(campaign.value)},
        )
    return campaign


def issue_coupons(
    *, actor: MaybeActor, campaign_id: Any, customer_ids: Sequence[Any]
) -> dict[str, int]:
    """One coupon of the campaign to each of these customers who may be marketed to.

    Counted: ``issued``, ``already`` (had one: one per customer per campaign) and
    ``skipped`` (out of the actor's reach, unknown, or restricted from marketing; not told
    apart, so the answer confirms no one's existence).
    """
    campaign = campaign_for(actor, campaign_id, "loyalty.add_coupon")
    wanted = {str(pk) for pk in customer_ids}
    if len(wanted) > MAX_ISSUE:
        raise ValidationFailed(
            _("Too many customers at once."),
            errors=[FieldError("too_many_items", spec=CUSTOMERS, max=MAX_ISSUE)],
        )
    valid = [pk for pk in wanted if _is_uuid(pk)]
    living = Customer.objects.filter(pk__in=valid, erased_at__isnull=True)
    reachable = usable_for(restrict(living, actor), "marketing")
    ids = set(reachable.values_list("pk", flat=True))
    with transaction.atomic():
        had = set(
            Coupon.objects.filter(campaign=campaign, customer_id__in=ids).values_list(
                "customer_id", flat=True
            )
        )
        now, user = timezone.now(), person(actor)
        made = [
            Coupon(
                campaign=campaign,
                customer_id=pk,
                code=arithmetic.new_code(),
                issued_at=now,
                issued_by=user,
            )
            for pk in sorted(ids - had, key=str)
        ]
        # a coupon issued meanwhile by someone else makes ours a no-op, not an error
        Coupon.objects.bulk_create(made, batch_size=1000, ignore_conflicts=True)
        issued = list(
            Coupon.objects.filter(campaign=campaign, issued_at=now, customer_id__in=ids - had)
        )
        record_audit_many(
            actor=actor,
            events=[
                {
                    "action": "issue",
                    "object_type": "coupon",
                    "object_id": coupon.pk,
                    "customer_id": coupon.customer_id,
                    "changes": {"campaign": campaign.pk},
                }
                for coupon in issued
            ],
        )
    return {
        "issued": len(issued),
        "already": len(had) + len(ids - had) - len(issued),
        "skipped": len(wanted) - len(ids),
    }


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def _refuse(message: str, code: str) -> Conflict:
    return Conflict(message, code=code, errors=[FieldError("invalid", spec=CODE)])


def redeem_coupon(
    *, actor: MaybeActor, customer_id: Any, code: Any, order_id: Any = None
) -> Coupon:
    """Use a customer's coupon, once, while it is valid (on an order reaching its min spend)."""
    if not may(actor, "loyalty.redeem_coupon"):
        raise PermissionDenied(_("You may not redeem coupons."))
    with transaction.atomic():
        customer = customer_for(actor, customer_id, "change")
        wanted = arithmetic.normalise_code(code or "")
        coupon = Coupon.objects.select_related("campaign").filter(code=wanted).first()
        if coupon is None:
            raise NotFound(_("No coupon has this code."), code="coupon_not_found")
        if coupon.customer_id != customer.pk:
            raise _refuse(_("This coupon was issued to another customer."), "coupon_not_theirs")
        campaign, now = coupon.campaign, timezone.now()
        if now < campaign.valid_from:
            raise _refuse(
                _("This coupon is valid from %(date)s.") % {"date": campaign.valid_from},
                "coupon_not_yet_valid",
            )
        if now >= campaign.valid_until:
            raise _refuse(
                _("This coupon expired on %(date)s.") % {"date": campaign.valid_until},
                "coupon_expired",
            )
        order = order_of_customer(actor, customer, order_id)
        if order is not None and order.total < campaign.min_spend:
            raise _refuse(
                _("This coupon needs a spend of %(min)s; the order is %(total)s.")
                % {"min": campaign.min_spend, "total": order.total},
                "coupon_min_spend",
            )
        used = Coupon.objects.filter(pk=coupon.pk, redeemed_at__isnull=True).update(
            redeemed_at=now, redeemed_by=person(actor), order=order
        )
        if not used:
            coupon.refresh_from_db(fields=["redeemed_at"])
            raise _refuse(
                _("This coupon was already used on %(date)s.") % {"date": coupon.redeemed_at},
                "coupon_used",
            )
        coupon.refresh_from_db()
        record_audit(
            actor=actor,
            action="redeem",
            object_type="coupon",
            object_id=coupon.pk,
            customer_id=customer.pk,
            changes={"campaign": campaign.pk, "order": str(order.pk if order else "")},
        )
    return coupon
