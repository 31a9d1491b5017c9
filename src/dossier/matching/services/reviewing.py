"""New customers that arrived in bulk (an import) checked against those already on file.

Under a template's ``warn`` policy an import does not stop at a likely duplicate (the file's
own keys already match existing customers in update and upsert modes); what it creates that
looks like someone on file is queued for review, as a scan would, so nobody has to scan a
million customers to find them. Under ``block`` the rows that are sure duplicates of someone
on file fail instead (:func:`sure_duplicates_on_file`, before anything is written).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from django.db.models import Q

from dossier.core.fields import FieldSpec
from dossier.customers.models import Customer, CustomerLookup
from dossier.matching.engine import find_matches, match_against, prepare
from dossier.matching.people import KEY_TYPES, people, person_from_values
from dossier.matching.services.scanning import queue_groups

CHUNK = 1000
#: new customers whose lookups are read together (a multiple of CHUNK: the same chunks)
SPAN = 20 * CHUNK
#: values per IN list (well under every backend's parameter limit)
IN_LIST = 5000

Key = tuple[str, str]  # (field, digest)


def _key_fields() -> set[str]:
    # lookups of phone, e-mail and id number fields, whatever their key in a template
    return {"phone", "email", "id_number", "uscc"} | set(KEY_TYPES)


def review_new_customers(*, customer_ids: Sequence[Any]) -> int:
    """Queue for review the new customers that share a phone, e-mail or id number with
    another live customer and score as likely duplicates; how many groups were queued."""
    queued = 0
    for chunk, ids in _candidates(customer_ids):
        # read by id, the live kept here: a plan that starts from the deleted_at and erased_at
        # indexes (as one made without statistics of them does) reads every customer
        customers = [
            c
            for c in Customer.objects.filter(pk__in=ids)
            .select_related("template_version")
            .order_by("pk")
            if c.deleted_at is None and c.erased_at is None
        ]
        prepared = [prepare(p) for p in people(customers)]
        fresh = {str(pk) for pk in chunk}
        matches = [
            m
            for m in find_matches(prepared, model=None)
            if m.decision != "distinct" and (m.a in fresh) != (m.b in fresh)
        ]
        queued += queue_groups(None, matches)
    return queued


def _candidates(customer_ids: Sequence[Any]) -> Iterator[tuple[list[Any], set[Any]]]:
    """Per CHUNK of new customers that share a key with someone else: the chunk, and whom to
    compare — the others holding one of the chunk's keys (phone, e-mail, id number), and the
    chunk's customers holding any value of those others.

    Set-based: the lookups of a SPAN of new customers, the holders of their keys and the
    values of those holders are read once (a few queries by id or value, each an index's
    work), not three queries a chunk that each read the lookups of every customer.
    """
    fields = _key_fields()
    to_id = Customer._meta.pk.to_python  # type: ignore[union-attr]
    for span_start in range(0, len(customer_ids), SPAN):
        span = [to_id(pk) for pk in customer_ids[span_start : span_start + SPAN]]
        values = _values_of(span)
        keys = {(f, d) for pk in span for f, d in values.get(pk, ()) if f in fields}
        holders = _holders(keys)
        outside = {pk for ids in holders.values() for pk in ids} - set(span)
        values.update(_values_of(sorted(outside)))
        for start in range(0, len(span), CHUNK):
            chunk = span[start : start + CHUNK]
            members = set(chunk)
            shared = {(f, d) for pk in chunk for f, d in values.get(pk, ()) if f in fields}
            others = {pk for key in shared for pk in holders.get(key, ())} - members
            if not others:
                continue  # nobody else holds these keys
            theirs = {d for pk in others for _f, d in values.get(pk, ())}
            alike = {pk for pk in chunk if any(d in theirs for _f, d in values.get(pk, ()))}
            yield (
                list(customer_ids[span_start + start : span_start + start + CHUNK]),
                (others | alike),
            )


def _values_of(customer_ids: Sequence[Any]) -> dict[Any, list[Key]]:
    """Every lookup (field, digest) of these customers."""
    found: dict[Any, list[Key]] = defaultdict(list)
    for start in range(0, len(customer_ids), IN_LIST):
        rows = CustomerLookup.objects.filter(
            customer_id__in=customer_ids[start : start + IN_LIST]
        ).values_list("customer_id", "field", "digest")
        for pk, field, digest in rows:
            found[pk].append((field, digest))
    return found


def _holders(keys: set[Key]) -> dict[Key, set[Any]]:
    """Who holds each of these (field, digest) keys."""
    held: dict[Key, set[Any]] = defaultdict(set)
    digests = sorted({d for _f, d in keys})
    fields = sorted({f for f, _d in keys})
    for start in range(0, len(digests), IN_LIST):
        rows = CustomerLookup.objects.filter(
            digest__in=digests[start : start + IN_LIST], field__in=fields
        ).values_list("field", "digest", "customer_id")
        for field, digest, pk in rows:
            if (field, digest) in keys:
                held[(field, digest)].add(pk)
    return held


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
