"""Role-matrix rows of the matching app (collected by site/tests/test_role_matrix.py).

Every call is about customers like ``world.target(actor)``: two fresh look-alikes with the
same owner and shares, in a review group made for the call, or merged by the admin.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from dossier.customers.models import Customer
from dossier.matching.models import DuplicateGroup, DuplicateMember, DuplicateScan, Merge
from dossier.matching.services.merging import merge_customers
from dossier.matching.services.scanning import members_key
from dossier.site.tests.matrix_fixtures import PageCall, World

OK, DENIED, UNSEEN = "2xx", "403", "404"
PAGE_NAMESPACES = ("matching",)
LOGIN, REDIRECT, PAGE = "login", "302", "200"


def pair(world: World, actor: str) -> list[Customer]:
    """Two fresh customers like the actor's target (same owner and shares)."""
    return [world.fresh_customer(actor), world.fresh_customer(actor)]


def group(world: World, actor: str) -> DuplicateGroup:
    """An open review group of two fresh look-alikes of the actor's target."""
    ids = [str(c.pk) for c in pair(world, actor)]
    made = DuplicateGroup.objects.create(
        members_key=members_key(ids),
        score=0.99,
        pairs=[{"a": ids[0], "b": ids[1], "score": 0.99, "decision": "duplicate", "rule": None,
                "reasons": [{"field": "phone", "outcome": "equal", "weight": 9.0, "detail": {}}]}],
    )  # fmt: skip
    DuplicateMember.objects.bulk_create(DuplicateMember(group=made, customer_id=i) for i in ids)
    return made


def merged(world: World, actor: str) -> Merge:
    """A merge, by the admin, of two fresh look-alikes of the actor's target."""
    ids = [c.pk for c in pair(world, actor)]
    return merge_customers(actor=world.users["admin"], customer_ids=ids, survivor_id=ids[0])


# admin, manager, sales, service, marketing, analyst, outsider
API: dict[str, tuple[str, ...]] = {
    # reviewing leads to merging: who may change customers; each sees groups of their own
    "GET /duplicates":                     (OK, OK, OK, OK, DENIED, DENIED, OK),
    "GET /duplicates/{group_id}":          (OK, OK, OK, OK, DENIED, DENIED, UNSEEN),
    "POST /duplicates/{group_id}/dismiss": (OK, OK, OK, OK, DENIED, DENIED, UNSEEN),
    # a scan reads every customer: managers and administrators
    "POST /duplicates/scan":               (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET /duplicates/scan":                (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),
    # a merge needs the right to change every record; a merge is seen with its survivor
    "POST /merges":                        (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "GET /merges/{merge_id}":              (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "POST /merges/{merge_id}/undo":        (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
}  # fmt: skip

API_CALLS: dict[str, Any] = {
    "GET /duplicates": lambda w, a: ("/duplicates", None),
    "GET /duplicates/{group_id}": lambda w, a: (f"/duplicates/{group(w, a).pk}", None),
    "POST /duplicates/{group_id}/dismiss": lambda w, a: (
        f"/duplicates/{group(w, a).pk}/dismiss",
        {},
    ),
    "POST /duplicates/scan": lambda w, a: ("/duplicates/scan", {}),
    "GET /duplicates/scan": lambda w, a: ("/duplicates/scan", None),
    "POST /merges": lambda w, a: ("/merges", {"customers": [str(c.pk) for c in pair(w, a)]}),
    "GET /merges/{merge_id}": lambda w, a: (f"/merges/{merged(w, a).pk}", None),
    "POST /merges/{merge_id}/undo": lambda w, a: (f"/merges/{merged(w, a).pk}/undo", {}),
}


def _merge_page(world: World, actor: str) -> PageCall:
    made = group(world, actor)
    ids = [str(pk) for pk in made.members.values_list("customer_id", flat=True)]
    return PageCall(
        reverse("matching:merge_group", args=[made.pk]),
        {"customers": ids, "survivor": ids[0]},
        lambda: Customer.objects.filter(pk__in=ids, deleted_at__isnull=False).count() == 1,
    )


def _dismiss_page(world: World, actor: str) -> PageCall:
    made = group(world, actor)
    return PageCall(
        reverse("matching:dismiss", args=[made.pk]),
        {},
        lambda: DuplicateGroup.objects.get(pk=made.pk).status == DuplicateGroup.DISMISSED,
    )


def _undo_page(world: World, actor: str) -> PageCall:
    made = merged(world, actor)
    return PageCall(
        reverse("matching:undo", args=[made.pk]),
        {},
        lambda: Merge.objects.get(pk=made.pk).undone_at is not None,
    )


def _scan_page(world: World, actor: str) -> PageCall:
    # one scan at a time: a second request finds the first one waiting, which is the answer
    waiting = DuplicateScan.objects.filter(status__in=[DuplicateScan.QUEUED, DuplicateScan.RUNNING])
    return PageCall(reverse("matching:scan"), {}, waiting.exists)


# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "GET matching:queue":        (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, PAGE),
    "POST matching:scan":        (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET matching:group":        (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, UNSEEN),
    "POST matching:merge_group": (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, UNSEEN),  # noqa: E501
    "POST matching:dismiss":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, UNSEEN),  # noqa: E501
    "GET matching:merge":        (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
    "POST matching:undo":        (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "GET matching:queue": lambda w, a: PageCall(reverse("matching:queue")),
    "POST matching:scan": _scan_page,
    "GET matching:group": lambda w, a: PageCall(reverse("matching:group", args=[group(w, a).pk])),
    "POST matching:merge_group": _merge_page,
    "POST matching:dismiss": _dismiss_page,
    "GET matching:merge": lambda w, a: PageCall(reverse("matching:merge", args=[merged(w, a).pk])),
    "POST matching:undo": _undo_page,
}
