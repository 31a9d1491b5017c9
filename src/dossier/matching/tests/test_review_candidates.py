"""The review of an import's new customers compares the customers the per-chunk queries did."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from dossier.customers.models import Customer, CustomerLookup
from dossier.matching.services import reviewing

pytestmark = pytest.mark.django_db


def per_chunk_queries(customer_ids: Sequence[Any]) -> list[tuple[list[Any], set[Any]]]:
    """What the review compared before it read lookups set-wise: three queries a chunk."""
    fields = reviewing._key_fields()
    out = []
    for start in range(0, len(customer_ids), reviewing.CHUNK):
        chunk = list(customer_ids[start : start + reviewing.CHUNK])
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
            continue
        holders = CustomerLookup.objects.filter(
            customer_id__in=chunk,
            digest__in=CustomerLookup.objects.filter(customer_id__in=list(others)).values("digest"),
        )
        out.append((chunk, others | set(holders.values_list("customer_id", flat=True))))
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_candidates_of_each_chunk_are_those_the_per_chunk_queries_found(
    seed: int, sales: User, make_customer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(seed)
    phones = [f"139{n:08d}" for n in range(5)]
    emails = ["", "", "a@example.com", "b@example.com"]
    made = [
        make_customer(
            sales,
            display_name=rng.choice(["张伟", "張偉", "王芳", "李娜"]),
            phone=rng.choice(phones),
            email=rng.choice(emails),
        )
        for _ in range(18)
    ]
    Customer.objects.filter(pk=made[2].pk).update(deleted_at=timezone.now())
    monkeypatch.setattr(reviewing, "CHUNK", 3)
    monkeypatch.setattr(reviewing, "SPAN", 6)
    monkeypatch.setattr(reviewing, "IN_LIST", 4)
    new = [c.pk for c in made[7:]]
    rng.shuffle(new)
    found = list(reviewing._candidates(new))
    assert found == per_chunk_queries(new)
    assert found  # the pools are small: some chunks share keys with others
