"""Finding the customer an order names: by id, by an id in another system, by phone or e-mail.

A whole batch is resolved with a constant number of queries: one for external ids, one for
the blind-index lookups of phones and e-mails, one through ``restrict`` for the customers the
actor may change. Phones and e-mails are matched by their keyed digest only (as the search
box does), so no plaintext reaches the SQL; only those who may see them may match by them.
Only customers the actor may change are candidates: one they cannot reach is "not found"
(its existence is not confirmed), and two they can reach with the same phone are ambiguous.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dossier.core.actors import MaybeActor
from dossier.core.fields import FieldError
from dossier.customers.access import restrict
from dossier.customers.models import Customer, CustomerLookup
from dossier.orders.checks import CustomerRef
from dossier.orders.errors import OrderError
from dossier.orders.keys import id_set, pairs_of, text_set
from dossier.orders.models import CustomerExternalId
from dossier.protection.disclosure import lookup_digest, may_see_personal


@dataclass(frozen=True)
class Resolved:
    """The customer an order is for, or why none could be chosen."""

    customer_id: Any = None
    error: FieldError | None = None


def _external_targets(refs: Sequence[CustomerRef]) -> dict[tuple[str, str], Any]:
    pairs = {ref.value for ref in refs if ref.kind == "external"}
    if not pairs:
        return {}
    rows = pairs_of(CustomerExternalId.objects.all(), "source", "external_id", pairs).values_list(
        "source", "external_id", "customer_id"
    )
    return {(source, ext): pk for source, ext, pk in rows if (source, ext) in pairs}


def _digests(refs: Sequence[CustomerRef]) -> dict[CustomerRef, str]:
    return {
        ref: lookup_digest(ref.kind, ref.value) for ref in refs if ref.kind in ("phone", "email")
    }


def _digest_holders(digests: Sequence[str]) -> dict[str, set[Any]]:
    holders: dict[str, set[Any]] = defaultdict(set)
    if digests:
        rows = CustomerLookup.objects.filter(digest__in=text_set(set(digests))).values_list(
            "digest", "customer_id"
        )
        for digest, pk in rows:
            holders[digest].add(pk)
    return holders


def resolve_customers(
    actor: MaybeActor, refs: Sequence[CustomerRef | None]
) -> list[Resolved | None]:
    """For each reference (None: skip), the customer the actor may change that it names."""
    given = [ref for ref in refs if ref is not None]
    external = _external_targets(given)
    digests = _digests(given)
    holders = _digest_holders(list(digests.values()))
    candidates: set[Any] = {ref.value for ref in given if ref.kind == "id"}
    candidates |= set(external.values())
    for ids in holders.values():
        candidates |= ids
    reachable: dict[Any, Any] = {}
    if candidates:
        rows = (
            restrict(Customer.objects.all(), actor, "change")
            .filter(pk__in=id_set(candidates))
            .values_list("pk", "erased_at")
        )
        reachable = dict(rows)
    personal_ok = may_see_personal(actor)
    within = reachable.keys()
    out: list[Resolved | None] = []
    for ref in refs:
        if ref is None:
            out.append(None)
            continue
        if ref.kind == "id":
            matches = {ref.value}
        elif ref.kind == "external":
            matches = {external[ref.value]} if ref.value in external else set()
        elif not personal_ok:
            out.append(Resolved(error=OrderError("lookup_not_allowed", spec=ref.label)))
            continue
        else:
            matches = holders.get(digests[ref], set())
        out.append(_choose(ref, matches & within, reachable))
    return out


def _choose(ref: CustomerRef, matches: set[Any], reachable: dict[Any, Any]) -> Resolved:
    if not matches:
        return Resolved(error=OrderError("customer_not_found", spec=ref.label))
    if len(matches) > 1:
        return Resolved(error=OrderError("customer_ambiguous", spec=ref.label, count=len(matches)))
    (pk,) = matches
    if reachable[pk] is not None:
        return Resolved(error=OrderError("customer_erased", spec=ref.label))
    return Resolved(customer_id=pk)
