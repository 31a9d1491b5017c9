"""The duplicate check a new customer passes at entry (API, page), by template policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import get_language

from dossier.core.fields import FieldSpec
from dossier.customers.access import restrict
from dossier.customers.duplicates import (
    ALLOW,
    BLOCK,
    DuplicateCandidate,
    LikelyDuplicate,
)
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.names import name_pinyin
from dossier.matching.engine import Match, match_against, prepare
from dossier.matching.explain import reason_texts
from dossier.matching.people import KEY_TYPES, people, person_from_values

#: existing customers compared with a new one at most (found by key, then by name)
MAX_CANDIDATES = 50
NEW = "new"


def candidate_customers(
    clean: Mapping[str, Any], specs: Sequence[FieldSpec], lookups: Mapping[str, str]
) -> list[Customer]:
    """Live customers sharing a phone, e-mail or id digest, or a name's pinyin, with the new one."""
    key_fields = {spec.key for spec in specs if spec.type in KEY_TYPES}
    shared = Q()
    for field, digest in lookups.items():
        if field in key_fields:
            shared |= Q(field=field, digest=digest)
    ids: set[Any] = set()
    if shared:
        ids.update(
            CustomerLookup.objects.filter(shared).values_list("customer_id", flat=True)[
                :MAX_CANDIDATES
            ]
        )
    syllables = [s for s in name_pinyin(str(clean.get("display_name") or "")) if s.isalnum()]
    live = Customer.objects.filter(deleted_at__isnull=True, erased_at__isnull=True)
    if len(syllables) >= 2:
        forward, backward = "".join(syllables), "".join(reversed(syllables))
        named = live.filter(Q(search_text__contains=forward) | Q(search_text__contains=backward))
        ids.update(named.values_list("pk", flat=True)[:MAX_CANDIDATES])
    if not ids:
        return []
    return list(
        live.filter(pk__in=list(ids))
        .select_related("template_version")
        .order_by("-updated_at")[:MAX_CANDIDATES]
    )


def likely_duplicates(
    clean: Mapping[str, Any], specs: Sequence[FieldSpec], lookups: Mapping[str, str]
) -> list[tuple[Customer, Match]]:
    """Existing customers the new one likely duplicates, best first, each with its match."""
    existing = candidate_customers(clean, specs, lookups)
    if not existing:
        return []
    by_id = {str(c.pk): c for c in existing}
    new = prepare(person_from_values(NEW, clean, specs))
    matches = match_against(new, [prepare(p) for p in people(existing)])
    found = []
    for match in sorted(matches, key=lambda m: -m.score):
        if match.decision == "distinct":
            continue
        other = match.b if match.a == NEW else match.a
        if other in by_id:
            found.append((by_id[other], match))
    return found


def check_likely_duplicates(
    *,
    actor: Any,
    template: Any,
    clean: Mapping[str, Any],
    specs: Sequence[FieldSpec],
    lookups: Mapping[str, str],
    allow_duplicate: bool,
) -> None:
    """Refuse (409) a new customer that likely duplicates one on file, per template policy.

    ``block``: a sure duplicate is refused whoever holds it (the caller's own candidates are
    named, others are not); a possible one is treated as under ``warn``. ``warn``: refused
    unless ``allow_duplicate``, and only for candidates the caller may see (there is nothing
    to show them otherwise; the scan finds those later). ``allow``: not checked.
    """
    policy = template.duplicate_policy
    if policy == ALLOW:
        return
    found = likely_duplicates(clean, specs, lookups)
    if not found:
        return
    visible_ids = set(
        restrict(Customer.objects.all(), actor, "view")
        .filter(pk__in=[c.pk for c, _m in found])
        .values_list("pk", flat=True)
    )
    language = get_language() or "zh-hans"
    candidates = [
        DuplicateCandidate(
            customer_id=str(customer.pk),
            display_name=customer.display_name,
            score=match.score,
            decision=match.decision,
            reasons=reason_texts(match, language),
        )
        for customer, match in found
        if customer.pk in visible_ids
    ]
    sure = [c for c, m in found if m.decision == "duplicate"]
    if policy == BLOCK and sure:
        hidden = any(c.pk not in visible_ids for c in sure)
        raise LikelyDuplicate(candidates, policy=BLOCK, hidden=hidden)
    if candidates and not allow_duplicate:
        raise LikelyDuplicate(candidates, policy=policy)
