"""New customers that arrived in bulk (an import) checked against those already on file.

Under a template's ``warn`` policy an import does not stop at a likely duplicate (the file's
own keys already match existing customers in update and upsert modes); what it creates that
looks like someone on file is queued for review, as a scan would, so nobody has to scan a
million customers to find them. Under ``block`` the rows that are sure duplicates of someone
on file fail instead (:func:`sure_duplicates_on_file`, before anything is written).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db.models import Q

from dossier.core.fields import FieldSpec
from dossier.customers.models import Customer, CustomerLookup
from dossier.matching.engine import find_matches, match_against, prepare
from dossier.matching.people import KEY_TYPES, people, person_from_values
from dossier.matching.services.scanning import queue_groups

CHUNK = 1000


def _key_fields() -> set[str]:
    # lookups of phone, e-mail and id number fields, whatever their key in a template
    return {"phone", "email", "id_number", "uscc"} | set(KEY_TYPES)


def review_new_customers(*, customer_ids: Sequence[Any]) -> int:
    """Queue for review the new customers that share a phone, e-mail or id number with
    another live customer and score as likely duplicates; how many groups were queued."""
    queued = 0
    fields = _key_fields()
    for start in range(0, len(customer_ids), CHUNK):
        chunk = list(customer_ids[start : start + CHUNK])
        keys = list(
            CustomerLookup.objects.filter(customer_id__in=chunk, field__in=fields).values_list(
                "field", "digest"
            )
        )
        if not keys:
            continue
        by_field: dict[str, set[str]] = {}
        for field, digest in keys:
            by_field.setdefault(field, set()).add(digest)
        shared = Q()
        for field, digests in by_field.items():
            shared |= Q(field=field, digest__in=list(digests))
        others = set(
            CustomerLookup.objects.filter(shared)
            .exclude(customer_id__in=chunk)
            .values_list("customer_id", flat=True)
        )
        if not others:
            continue  # nobody else holds these keys
        holders = CustomerLookup.objects.filter(
            customer_id__in=chunk,
            digest__in=CustomerLookup.objects.filter(customer_id__in=list(others)).values("digest"),
        )
        ids = others | set(holders.values_list("customer_id", flat=True))
        customers = (
            Customer.objects.filter(pk__in=ids, deleted_at__isnull=True, erased_at__isnull=True)
            .select_related("template_version")
            .order_by("pk")
        )
        prepared = [prepare(p) for p in people(customers)]
        fresh = {str(pk) for pk in chunk}
        matches = [
            m
            for m in find_matches(prepared, model=None)
            if m.decision != "distinct" and (m.a in fresh) != (m.b in fresh)
        ]
        queued += queue_groups(None, matches)
    return queued


def sure_duplicates_on_file(
    *,
    lookups: Sequence[Mapping[str, str]],
    clean_of: Callable[[int], Mapping[str, Any] | None],
    specs: Sequence[FieldSpec],
) -> dict[int, list[tuple[Customer, str]]]:
    """Which new customers of a batch (an import under ``block``) are sure duplicates of live
    customers on file: row index → those customers, best first, each with the first key field
    the row shares with them.

    ``lookups[i]`` are row i's blind-index digests by field; only rows sharing a phone, e-mail
    or id number with someone on file are compared (one query for the whole batch), and only
    they are validated again through ``clean_of(i)`` (None: not comparable).
    """
    fields = {spec.key for spec in specs if spec.type in KEY_TYPES}
    wanted = {(f, d) for row in lookups for f, d in row.items() if f in fields and d}
    if not wanted:
        return {}
    shared = Q()
    for field in {f for f, _d in wanted}:
        shared |= Q(field=field, digest__in=sorted(d for f, d in wanted if f == field))
    holders: dict[tuple[str, str], set[Any]] = {}
    for field, digest, customer_id in CustomerLookup.objects.filter(shared).values_list(
        "field", "digest", "customer_id"
    ):
        holders.setdefault((field, digest), set()).add(customer_id)
    if not holders:
        return {}
    on_file = {
        str(c.pk): c
        for c in Customer.objects.filter(
            pk__in={pk for ids in holders.values() for pk in ids},
            deleted_at__isnull=True,
            erased_at__isnull=True,
        ).select_related("template_version")
    }
    prepared = {p.id: prepare(p) for p in people(on_file.values())}
    found: dict[int, list[tuple[Customer, str]]] = {}
    for index, row in enumerate(lookups):
        others = {str(pk) for f, d in row.items() for pk in holders.get((f, d), ())}
        others &= set(prepared)
        clean = clean_of(index) if others else None
        if not clean:
            continue
        new = prepare(person_from_values("new", clean, specs))
        sure = [
            m
            for m in match_against(new, [prepared[pk] for pk in sorted(others)])
            if m.decision == "duplicate"
        ]
        if sure:
            others_first = [on_file[m.b if m.a == "new" else m.a] for m in sure]
            found[index] = [
                (c, next(f for f, d in row.items() if c.pk in holders.get((f, d), ())))
                for c in others_first
            ]
    return found
