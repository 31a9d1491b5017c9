"""New customers that arrived in bulk (an import) checked against those already on file.

An import does not stop at a likely duplicate (the file's own keys already match existing
customers in update and upsert modes); what it creates that looks like someone on file is
queued for review, as a scan would, so nobody has to scan a million customers to find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from dossier.customers.models import Customer, CustomerLookup
from dossier.matching.engine import find_matches, prepare
from dossier.matching.people import KEY_TYPES, people
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
