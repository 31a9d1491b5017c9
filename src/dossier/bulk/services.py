"""Starting, running and undoing bulk actions.

A selection of at most ``RUN_AT_ONCE`` customers is handled in the request; a larger one is
queued for the worker, which handles it ``CHUNK`` customers per transaction and saves its
progress with each chunk (a customer is one savepoint inside it: changed wholly or not at
all, and a customer that fails is counted and listed, never stopping the others).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dossier.audit.services import record_audit
from dossier.bulk.actions import ACTIONS, failure
from dossier.bulk.models import BulkAction
from dossier.bulk.selectors import FILTER_KEYS, bulk_action_for, selected_customers
from dossier.campaigns.membership import add_members
from dossier.campaigns.models import Campaign
from dossier.campaigns.services import campaign_for
from dossier.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import may

#: selections up to this size are handled in the request, larger ones by the worker
RUN_AT_ONCE = 200
#: customers per transaction (and per progress update) in the worker
CHUNK = 100
#: the most ids one request may list (a larger selection is "everything matching")
MAX_IDS = 10_000
#: the most failures kept with their reason (all are counted)
MAX_LISTED = 1000

ACTION = FieldLabel("action", "操作", "Action")
IDS = FieldLabel("ids", "客户", "Customers")
#: the audit log's action for each bulk action (its own kinds, so filters find them)
AUDIT_ACTIONS = {"delete": "delete", "export": "export"}

#: what the campaign's membership service says of a customer it left out
CAMPAIGN_REASONS = {
    "not_found": gettext_lazy("No such customer (or not one you may see)."),
    "erased": gettext_lazy("This customer's personal data has been erased."),
    "restricted": gettext_lazy("This customer is kept out of marketing."),
    "no_consent": gettext_lazy("No consent for this campaign's purpose on its channel."),
}


def _chosen_ids(ids: Sequence[Any]) -> list[str]:
    """The ids once each, in id order; one that is no uuid stays, to be reported not found."""
    if len(ids) > MAX_IDS:
        raise ValidationFailed(
            _("Too many customers chosen: select all matching instead."),
            errors=[FieldError("too_many_items", spec=IDS, max=MAX_IDS)],
        )
    chosen = set()
    for value in ids:
        try:
            chosen.add(str(UUID(str(value))))
        except ValueError:
            # PostgreSQL's JSON cannot hold NUL: it is reported as the replacement character
            chosen.add(str(value).replace("\x00", "\ufffd")[:40])
    return sorted(chosen)


def _clean_filters(filters: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(filters[k]).strip()[:200] for k in FILTER_KEYS if filters.get(k)}


def start_bulk_action(
    *,
    actor: User,
    action: str,
    parameters: Mapping[str, Any] | None = None,
    ids: Sequence[Any] | None = None,
    filters: Mapping[str, Any] | None = None,
) -> BulkAction:
    """Record a bulk action on ``ids`` or on every customer matching ``filters``, audit it once,
    and run it now (small) or queue it for the worker (large)."""
    kind = ACTIONS.get(str(action))
    if kind is None:
        raise ValidationFailed(
            _("Choose an action."),
            errors=[FieldError("invalid_choice", spec=ACTION, value=str(action)[:32])],
        )
    if not may(actor, kind.permission):
        raise PermissionDenied(_("You may not do this to customers."), code="action_not_allowed")
    if (ids is None) == (filters is None):
        raise ValidationFailed(
            _("Choose customers, or select all matching the list's filters."),
            errors=[FieldError("required", spec=IDS)],
        )
    params = kind.clean(parameters or {})
    if action == "add_to_campaign":
        campaign = campaign_for(actor, params["campaign"], kind.permission)
        if campaign.status == Campaign.Status.FINISHED:
            raise Conflict(_("This campaign is finished."), code="campaign_finished")
    with transaction.atomic():
        bulk = BulkAction(actor=actor, action=action, parameters=params)
        if ids is not None:
            bulk.ids = _chosen_ids(ids)
            bulk.total = len(bulk.ids)
        else:
            bulk.filters = _clean_filters(filters or {})
            bulk.total = selected_customers(bulk, "view").count()
        if action == "export":  # nothing to change: the download reads the selection
            bulk.total = selected_customers(bulk, "export").count()
            bulk.done, bulk.state, bulk.finished_at = (
                bulk.total,
                BulkAction.State.DONE,
                timezone.now(),
            )
        bulk.save()
        record_audit(
            actor=actor,
            action=AUDIT_ACTIONS.get(action, "update"),
            object_type="bulk_action",
            object_id=bulk.pk,
            changes={
                "bulk_action": action,
                "count": bulk.total,
                "filters": bulk.filters,
                "ids": len(bulk.ids) if bulk.ids is not None else None,
                "parameters": params,
            },
        )
        if not bulk.finished and bulk.total > RUN_AT_ONCE:
            from dossier.bulk.tasks import run_bulk_action

            pk = bulk.pk
            transaction.on_commit(lambda: run_bulk_action.enqueue(pk))
    if not bulk.finished and bulk.total <= RUN_AT_ONCE:
        bulk = run(bulk_id=bulk.pk)
    return bulk


@transaction.atomic
def _claim(bulk_id: int) -> BulkAction | None:
    bulk = BulkAction.objects.select_for_update().filter(pk=bulk_id).first()
    if bulk is None or bulk.finished:
        return None
    bulk.state = BulkAction.State.RUNNING
    bulk.save(update_fields=["state"])
    return bulk


def _next_chunk(bulk: BulkAction) -> list[str]:
    """The next ids to handle, after ``cursor``, in id order."""
    if bulk.ids is not None:
        return [pk for pk in bulk.ids if pk > bulk.cursor][:CHUNK]
    rows = selected_customers(bulk, "view").order_by("id")
    if bulk.cursor:
        rows = rows.filter(id__gt=bulk.cursor)
    return [str(pk) for pk in rows.values_list("id", flat=True)[:CHUNK]]


def _fail(bulk: BulkAction, entry: dict[str, str]) -> None:
    bulk.failed += 1
    if len(bulk.failures) < MAX_LISTED:
        bulk.failures.append(entry)


def _one_by_one(bulk: BulkAction, chunk: list[str]) -> None:
    kind = ACTIONS[bulk.action]
    assert kind.apply is not None
    for customer_id in chunk:
        try:
            with transaction.atomic():  # the customer's savepoint
                entry = kind.apply(bulk.actor, customer_id, bulk.parameters)
        except ApplicationError as error:
            _fail(bulk, failure(customer_id, error))
            continue
        bulk.done += 1
        if entry is not None:
            bulk.undo[customer_id] = entry


def _campaign_members(bulk: BulkAction, chunk: list[str]) -> None:
    try:
        report = add_members(
            actor=bulk.actor, campaign_id=bulk.parameters["campaign"], customer_ids=chunk
        )
    except ApplicationError as error:  # the campaign finished (or went) meanwhile
        for customer_id in chunk:
            _fail(bulk, failure(customer_id, error))
        return
    bulk.done += report.added + report.already_members
    for customer_id, code in report.left_out:
        _fail(bulk, {"customer": customer_id, "code": code, "reason": str(CAMPAIGN_REASONS[code])})
    # counted beyond the listed ones
    bulk.failed += sum(report.skipped.values()) - len(report.left_out)


def run(*, bulk_id: int) -> BulkAction:
    """Handle the rest of a bulk action, a chunk per transaction, saving progress with each."""
    bulk = _claim(bulk_id)
    if bulk is None:
        return BulkAction.objects.get(pk=bulk_id)
    step = _campaign_members if bulk.action == "add_to_campaign" else _one_by_one
    try:
        while chunk := _next_chunk(bulk):
            with transaction.atomic():
                step(bulk, chunk)
                bulk.cursor = chunk[-1]
                bulk.save(update_fields=["done", "failed", "failures", "undo", "cursor"])
    except Exception as error:
        BulkAction.objects.filter(pk=bulk.pk).update(
            state=BulkAction.State.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
        raise
    bulk.state, bulk.finished_at = BulkAction.State.DONE, timezone.now()
    bulk.save(update_fields=["state", "finished_at"])
    return bulk


def undo_bulk_action(*, actor: User, bulk_id: Any) -> BulkAction:
    """Put back what each customer had before the bulk action, for those unchanged since.

    By the action's author, an admin or a manager of the author's team (others: 404). A
    customer changed after the action is left as it is and reported, as is one the undoer
    may not change. Audited once. More than ``RUN_AT_ONCE`` customers are undone by the worker.
    """
    bulk = bulk_action_for(actor=actor, bulk_id=bulk_id)
    kind = ACTIONS[bulk.action]
    if kind.revert is None:
        raise Conflict(_("This action cannot be undone."), code="not_undoable")
    with transaction.atomic():
        bulk = BulkAction.objects.select_for_update().get(pk=bulk.pk)
        if not bulk.finished:
            raise Conflict(_("This action is still running."), code="still_running")
        if bulk.undone_at is not None:
            raise Conflict(_("This action was undone already."), code="already_undone")
        bulk.undone_at, bulk.undone_by = timezone.now(), actor
        bulk.save(update_fields=["undone_at", "undone_by"])
        if len(bulk.undo) > RUN_AT_ONCE:
            from dossier.bulk.tasks import undo_bulk_action as undo_task

            pk = bulk.pk
            transaction.on_commit(lambda: undo_task.enqueue(pk))
    if len(bulk.undo) > RUN_AT_ONCE:
        return bulk  # the worker undoes it; ``undo_report`` stays empty until it has
    return revert(bulk_id=bulk.pk)


def revert(*, bulk_id: int) -> BulkAction:
    """Undo a claimed bulk action customer by customer, as the one who asked for the undo."""
    bulk = BulkAction.objects.select_related("undone_by").get(pk=bulk_id)
    kind, actor = ACTIONS[bulk.action], bulk.undone_by
    if bulk.undo_report or kind.revert is None or actor is None:
        return bulk
    restored, skipped = 0, []
    for customer_id, entry in bulk.undo.items():
        try:
            kind.revert(actor, customer_id, bulk.parameters, entry)
        except ApplicationError as error:
            skipped.append(failure(customer_id, error))
            continue
        restored += 1
    with transaction.atomic():
        bulk.undo_report = {"restored": restored, "skipped": skipped[:MAX_LISTED]}
        bulk.save(update_fields=["undo_report"])
        record_audit(
            actor=actor,
            action="restore" if bulk.action == "delete" else "update",
            object_type="bulk_action",
            object_id=bulk.pk,
            changes={"undo": bulk.action, "count": restored, "skipped": len(skipped)},
        )
    return bulk


def may_be_undone(bulk: BulkAction) -> bool:
    """Whether undo would do anything: finished, not undone yet, of a kind undo reverses."""
    kind = ACTIONS[bulk.action]
    return kind.revert is not None and bulk.finished and bulk.undone_at is None and bool(bulk.undo)
