"""Merging customers and undoing it: children of every kind, exact restore, rights, refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.activity.models import CustomerFigures
from dossier.audit.models import AuditEvent
from dossier.consent.models import ConsentEvent
from dossier.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from dossier.customers.models import Customer, CustomerShare, CustomerTag, Tag
from dossier.customers.registry import entries
from dossier.customers.services import update_customer
from dossier.followups.models import Task
from dossier.interactions.models import Interaction
from dossier.matching.models import Merge, MergeSnapshot
from dossier.matching.services.merging import merge_customers, undo_merge
from dossier.matching.snapshots import rows_of
from dossier.orders.models import Order
from dossier.outbox.models import Event
from dossier.outbox.payloads import payload_for
from dossier.pipeline.models import Opportunity
from dossier.privacy.erasure import erase_customer
from dossier.templates.models import Template
from dossier.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def every_registered_row(ids: list[Any]) -> dict[str, Any]:
    """Every row of every registered table (and the customers' own) of these customers."""
    state: dict[str, Any] = {"customers": rows_of(Customer, pk__in=ids)}
    for entry in entries():
        state[entry.model._meta.label] = rows_of(
            entry.model, **{f"{entry.customer_field}__in": ids}
        )
    return state


def counts_now() -> dict[str, Any]:
    return {
        "tags": dict(Tag.objects.values_list("name", "customer_count")),
        "templates": dict(Template.objects.values_list("key", "customer_count")),
    }


def test_merging_five_moves_children_of_every_kind_to_the_survivor(
    sales: User, five: list[Customer]
) -> None:
    survivor = five[0]
    merge = merge_customers(actor=sales, customer_ids=[c.pk for c in five], survivor_id=survivor.pk)
    others = [c.pk for c in five[1:]]
    for model in (Order, Interaction, Ticket, Task, Opportunity):
        assert model.objects.filter(customer_id=survivor.pk).count() == 5, model
        assert not model.objects.filter(customer_id__in=others).exists(), model
    assert set(
        CustomerTag.objects.filter(customer=survivor).values_list("tag__name", flat=True)
    ) == {"VIP", "新客"}
    assert CustomerShare.objects.filter(customer=survivor).count() == 1
    assert CustomerFigures.objects.get(pk=survivor.pk).order_count == 5
    # the consent ledger keeps each event with the customer it was given by
    for customer in five:
        assert ConsentEvent.objects.filter(customer_id=customer.pk).count() == 1
    retired = Customer.objects.filter(pk__in=others)
    assert all(c.deleted_at is not None for c in retired)
    assert sorted(merge.merged_ids) == sorted(str(pk) for pk in others)
    merged_events = AuditEvent.objects.filter(action="merge", object_id=str(merge.pk))
    assert merged_events.count() == 5
    # the tag counts follow: each tag counted once, on the survivor
    assert dict(Tag.objects.values_list("name", "customer_count")) == {"VIP": 1, "新客": 1}


def test_undoing_a_merge_restores_every_registered_row_exactly(
    sales: User, five: list[Customer]
) -> None:
    ids = [c.pk for c in five]
    before, figures_before = every_registered_row(ids), counts_now()
    audit_before = before.pop(AuditEvent._meta.label)
    merge = merge_customers(
        actor=sales, customer_ids=ids, survivor_id=five[2].pk, picks={"city": str(five[1].pk)}
    )
    assert every_registered_row(ids) != {**before, AuditEvent._meta.label: audit_before}

    undo_merge(actor=sales, merge_id=merge.pk)

    after = every_registered_row(ids)
    audit_after = after.pop(AuditEvent._meta.label)
    assert after == before
    # the audit log only grew: the merge and its undoing are on record
    assert audit_after[: len(audit_before)] == audit_before or all(
        row in audit_after for row in audit_before
    )
    assert AuditEvent.objects.filter(action="unmerge", object_id=str(merge.pk)).count() == 5
    assert counts_now() == figures_before
    assert Merge.objects.get(pk=merge.pk).undone_at is not None


def test_a_merge_needs_the_right_to_edit_every_record(
    sales: User, outsider: User, five: list[Customer], make_customer: Any
) -> None:
    theirs = make_customer(outsider, display_name="张伟", allow_duplicate=True)
    before = every_registered_row([c.pk for c in five])
    with pytest.raises(NotFound):
        merge_customers(actor=sales, customer_ids=[five[0].pk, theirs.pk])
    with pytest.raises(ApplicationError):
        merge_customers(actor=outsider, customer_ids=[five[0].pk, theirs.pk])
    assert every_registered_row([c.pk for c in five]) == before
    assert not Merge.objects.exists()


def test_undoing_is_refused_once_a_record_changed_after_the_merge(
    sales: User, five: list[Customer]
) -> None:
    merge = merge_customers(actor=sales, customer_ids=[five[0].pk, five[1].pk])
    survivor = Customer.objects.get(pk=merge.survivor_id)
    update_customer(
        actor=sales,
        customer_id=survivor.pk,
        values={"points": 7},
        expected_version=survivor.version,
    )
    with pytest.raises(Conflict) as refused:
        undo_merge(actor=sales, merge_id=merge.pk)
    assert refused.value.code == "merge_changed_since"
    assert refused.value.extra["customer"] == str(survivor.pk)
    assert Merge.objects.get(pk=merge.pk).undone_at is None


def test_undoing_is_refused_once_a_merged_customer_was_erased(
    sales: User, admin_user: User, five: list[Customer]
) -> None:
    merge = merge_customers(
        actor=sales, customer_ids=[five[0].pk, five[1].pk], survivor_id=five[0].pk
    )
    erase_customer(actor=admin_user, customer_id=five[0].pk)
    # the survivor's before-state went with its erasure: nothing is left to restore from
    assert not MergeSnapshot.objects.filter(customer_id=five[0].pk).exists()
    with pytest.raises(Conflict) as refused:
        undo_merge(actor=admin_user, merge_id=merge.pk)
    assert refused.value.code in ("customer_erased", "merge_snapshot_gone")


def test_picked_values_survive_and_a_bad_pick_names_the_field(
    sales: User, five: list[Customer]
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        merge_customers(
            actor=sales, customer_ids=[five[0].pk, five[1].pk], picks={"no_such": str(five[1].pk)}
        )
    assert refused.value.errors[0].field == "no_such"
    merge_customers(
        actor=sales,
        customer_ids=[five[0].pk, five[1].pk],
        survivor_id=five[0].pk,
        picks={"phone": str(five[1].pk), "display_name": str(five[1].pk)},
    )
    survivor = Customer.objects.get(pk=five[0].pk)
    assert survivor.phone == five[1].phone
    assert survivor.display_name == "張偉"


def test_the_survivor_may_take_a_unique_value_of_a_merged_record(
    sales: User, make_customer: Any
) -> None:
    first = make_customer(sales, display_name="赵敏", member_no="M000001", allow_duplicate=True)
    second = make_customer(sales, display_name="赵敏", member_no="M000002", allow_duplicate=True)
    merge = merge_customers(
        actor=sales,
        customer_ids=[first.pk, second.pk],
        survivor_id=first.pk,
        picks={"member_no": str(second.pk)},
    )
    assert Customer.objects.get(pk=first.pk).attributes["member_no"] == "M000002"
    undo_merge(actor=sales, merge_id=merge.pk)
    assert Customer.objects.get(pk=first.pk).attributes["member_no"] == "M000001"
    assert Customer.objects.get(pk=second.pk).deleted_at is None


def test_fewer_than_two_customers_is_not_a_merge(sales: User, five: list[Customer]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        merge_customers(actor=sales, customer_ids=[five[0].pk, five[0].pk])
    assert refused.value.errors[0].field == "customers"


def customer_events_after(mark: int) -> list[tuple[str, str, Any]]:
    return [
        (e.name, e.object_id, e.data)
        for e in Event.objects.filter(pk__gt=mark, name__startswith="customer.").order_by("pk")
    ]


def last_event_id() -> int:
    return Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_merge_and_unmerge_tell_webhook_receivers_and_only_those_who_could_see(
    sales: User, outsider: User, five: list[Customer]
) -> None:
    survivor, others = str(five[0].pk), [str(c.pk) for c in five[1:]]
    mark = last_event_id()
    merge = merge_customers(actor=sales, customer_ids=[c.pk for c in five], survivor_id=survivor)
    told = customer_events_after(mark)
    gone = {"merged_into": survivor, "merge": merge.pk}
    assert sorted(t for t in told if t[0] == "customer.deleted") == sorted(
        ("customer.deleted", pk, gone) for pk in others
    )
    assert ("customer.updated", survivor, {"changed": ["merged"], "merge": merge.pk}) in told

    retired = Event.objects.filter(pk__gt=mark, name="customer.deleted").first()
    assert retired is not None
    shown = payload_for(sales, retired)
    assert shown is not None and shown["changes"] == gone
    assert payload_for(outsider, retired) is None  # another team's receiver learns nothing

    mark = last_event_id()
    undo_merge(actor=sales, merge_id=merge.pk)
    assert sorted(customer_events_after(mark)) == sorted(
        [("customer.updated", survivor, {"changed": ["unmerged"], "merge": merge.pk})]
        + [("customer.updated", pk, {"changed": ["restored"], "merge": merge.pk}) for pk in others]
    )


def test_a_refused_merge_tells_nobody(sales: User, outsider: User, five: list[Customer]) -> None:
    mark = last_event_id()
    with pytest.raises(ApplicationError):
        merge_customers(actor=outsider, customer_ids=[c.pk for c in five])
    assert customer_events_after(mark) == []
