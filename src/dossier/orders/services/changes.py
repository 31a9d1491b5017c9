"""Changing a stored order: its status, refunds and returns, one order at a time.

Statuses move only as :data:`checks.TRANSITIONS` allows. A refund never exceeds what was
paid and not yet refunded (on a line: its total less its refunds, and the order's limit
still holds); once the refunds reach the total the order is ``refunded``. A return takes
back items not yet returned; once every item is back the order is ``returned``. Moving an
order to ``returned`` by hand takes back every item; to ``refunded``, refunds the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dossier.activity.services import update_entry
from dossier.audit.services import record_audit
from dossier.core.actors import MaybeActor, person
from dossier.core.errors import ValidationFailed
from dossier.orders import errors as e
from dossier.orders.access import order_for
from dossier.orders.checks import (
    MAX_QTY,
    PURCHASED,
    STATUSES,
    Errors,
    choice,
    money,
    transition_error,
    whole_number,
)
from dossier.orders.errors import OrderError, status_words
from dossier.orders.figures import first_return, money_refunded, purchase_made, summary
from dossier.orders.models import Order, OrderLine, Refund
from dossier.orders.services.common import CHANGE, REFUND, require
from dossier.orders.services.writing import TIMELINE_KIND

#: statuses in which money may go back, and in which goods may come back
REFUNDABLE = ("paid", "shipped", "completed", "returned")
RETURNABLE = ("shipped", "completed")


def _refused(errors: Sequence[Any], message: str = "") -> ValidationFailed:
    return ValidationFailed(message or _("The order was not changed."), errors=errors)


def _save(order: Order, fields: list[str], *, actor: MaybeActor, changes: dict[str, Any]) -> None:
    order.updated_at = timezone.now()
    order.save(update_fields=[*fields, "updated_at"])
    update_entry(kind=TIMELINE_KIND, object_id=order.pk, summary=summary(order))
    record_audit(
        actor=actor,
        action="update",
        object_type="order",
        object_id=order.pk,
        customer_id=order.customer_id,
        changes=changes,
    )


def _had_returns(order: Order) -> bool:
    return OrderLine.objects.filter(order=order, returned_qty__gt=0).exists()


def _move(order: Order, status: str, *, actor: MaybeActor) -> list[str]:
    """Set the status and do what it implies; returns the order's changed columns."""
    before = order.status
    order.status = status
    fields = ["status"]
    if before not in PURCHASED and status in PURCHASED:
        purchase_made(order)
    if status == "returned":
        returned_before = _had_returns(order)
        OrderLine.objects.filter(order=order).update(returned_qty=F("qty"))
        if not returned_before:
            first_return(order)
    if status == "refunded" and order.refundable > 0:
        rest = order.refundable
        Refund.objects.create(
            order=order,
            customer_id=order.customer_id,
            amount=rest,
            reason=Refund.Reason.ORDER_REFUNDED,
            created_by=person(actor),
        )
        order.refunded = order.total
        fields.append("refunded")
        money_refunded(order, rest)
    return fields


def change_status(*, actor: MaybeActor, order_id: Any, status: str) -> Order:
    """Move an order along its lifecycle (422 naming both statuses when it may not go there)."""
    require(actor, CHANGE, _("You may not change orders."))
    with transaction.atomic():
        order = order_for(actor, order_id, "change", lock=True)
        errs = Errors()
        wanted = choice(status, e.STATUS, errs, STATUSES)
        if errs:
            raise _refused(errs)
        problem = transition_error(order.status, wanted)
        if problem is not None:
            raise _refused([problem])
        if wanted == order.status:
            return order
        if wanted in ("returned", "refunded"):
            require(actor, REFUND, _("You may not take returns or refund orders."))
        before = order.status
        fields = _move(order, wanted, actor=actor)
        _save(order, fields, actor=actor, changes={"status": [before, wanted]})
    return order


def _line_of(order: Order, line_id: Any) -> OrderLine:
    line = None
    # a line id is a database id: at most 18 digits (int() of thousands of digits refuses)
    if isinstance(line_id, int) or (
        isinstance(line_id, str) and line_id.isdecimal() and len(line_id) <= 18
    ):
        line = OrderLine.objects.select_for_update().filter(order=order, pk=int(line_id)).first()
    if line is None:
        raise _refused([OrderError("invalid_choice", spec=e.LINE_ID, value=str(line_id)[:32])])
    return line


def _check_refundable(order: Order) -> None:
    if order.status not in REFUNDABLE:
        words = status_words(order.status)
        raise _refused([OrderError("not_refundable", spec=e.STATUS, status=words)])


def _too_much(amount: Decimal, *, paid: Decimal, refunded: Decimal) -> OrderError:
    return OrderError(
        "refund_too_large",
        spec=e.AMOUNT,
        value=amount,
        available=paid - refunded,
        paid=paid,
        refunded=refunded,
    )


def refund_order(
    *, actor: MaybeActor, order_id: Any, amount: Any, reason: str, line_id: Any = None
) -> Refund:
    """Pay money back on an order or one of its lines, never more than is left to refund."""
    require(actor, REFUND, _("You may not refund orders."))
    with transaction.atomic():
        order = order_for(actor, order_id, "change", lock=True)
        errs = Errors()
        value = money(amount, e.AMOUNT, errs)
        reasons = [r for r in Refund.Reason.values if r != Refund.Reason.ORDER_REFUNDED]
        why = choice(reason, e.REASON, errs, reasons)
        if value is not None and value <= 0:
            errs.add("too_small", e.AMOUNT, min="0.01")
        if errs:
            raise _refused(errs, _("Nothing was refunded."))
        _check_refundable(order)
        line = _line_of(order, line_id) if line_id not in (None, "") else None
        if line is not None and value > line.refundable:
            raise _refused([_too_much(value, paid=line.line_total, refunded=line.refunded)])
        if value > order.refundable:
            raise _refused([_too_much(value, paid=order.total, refunded=order.refunded)])
        refund = Refund.objects.create(
            order=order,
            line=line,
            customer_id=order.customer_id,
            amount=value,
            reason=why,
            created_by=person(actor),
        )
        if line is not None:
            line.refunded += value
            line.save(update_fields=["refunded"])
        order.refunded += value
        money_refunded(order, value)
        fields = ["refunded"]
        changes: dict[str, Any] = {"refund": str(value), "reason": why}
        if line is not None:
            changes["line"] = line.position
        if order.refunded == order.total:
            changes["status"] = [order.status, "refunded"]
            order.status = "refunded"
            fields.append("status")
        _save(order, fields, actor=actor, changes=changes)
    return refund


def return_items(
    *, actor: MaybeActor, order_id: Any, lines: Sequence[Mapping[str, Any]] | None = None
) -> Order:
    """Take items back: ``lines`` as ``{"line_id", "qty"}`` (qty default: all not yet
    returned), or the whole order when None. Returns move goods, not money: refund apart."""
    require(actor, REFUND, _("You may not take returns."))
    with transaction.atomic():
        order = order_for(actor, order_id, "change", lock=True)
        if order.status not in RETURNABLE:
            words = status_words(order.status)
            raise _refused([OrderError("not_refundable", spec=e.STATUS, status=words)])
        stored = {line.pk: line for line in OrderLine.objects.filter(order=order)}
        had_returns = any(line.returned_qty for line in stored.values())
        wanted = _wanted_returns(stored, lines)
        for line, qty in wanted:
            line.returned_qty += qty
        OrderLine.objects.bulk_update([line for line, _qty in wanted], ["returned_qty"])
        if not had_returns:
            first_return(order)
        changes: dict[str, Any] = {"returned": {str(line.position): qty for line, qty in wanted}}
        fields: list[str] = []
        if all(line.returned_qty == line.qty for line in stored.values()):
            changes["status"] = [order.status, "returned"]
            order.status = "returned"
            fields.append("status")
        _save(order, fields, actor=actor, changes=changes)
    return order


def _wanted_returns(
    stored: dict[int, OrderLine], lines: Sequence[Mapping[str, Any]] | None
) -> list[tuple[OrderLine, int]]:
    if lines is None:
        wanted = [(line, line.qty - line.returned_qty) for line in stored.values()]
        wanted = [(line, qty) for line, qty in wanted if qty > 0]
        if not wanted:
            raise _refused([OrderError("nothing_to_return", spec=e.LINES)])
        return wanted
    errs = Errors()
    out: list[tuple[OrderLine, int]] = []
    for index, item in enumerate(lines):
        label = e.line_label(index, "qty", "数量", "Quantity")
        raw_id = str(item.get("line_id"))
        line = stored.get(int(raw_id)) if raw_id.isdecimal() and len(raw_id) <= 18 else None
        if line is None:
            label_id = e.line_label(index, "line_id", "", "line")
            errs.add("invalid_choice", label_id, value=raw_id[:32])
            continue
        left = line.qty - line.returned_qty - sum(q for other, q in out if other is line)
        raw_qty = item.get("qty")
        if raw_qty is None or raw_qty == "":
            qty: int | None = left
        else:
            qty = whole_number(raw_qty, label, errs, low=1, high=MAX_QTY)
        if qty is None:
            continue
        if left == 0 or qty > left:
            errs.add("return_too_large", label, value=qty, available=left)
        else:
            out.append((line, qty))
    if not errs and not out:
        errs.add("nothing_to_return", e.LINES)
    if errs:
        raise _refused(errs)
    return out
