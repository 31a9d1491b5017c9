"""Customer counts per template and per tag, kept by the services instead of counted per view.

``Template.customer_count`` and ``Tag.customer_count`` hold how many customers that are not
deleted have that template / carry that tag. ``TagOwnerCount`` counts the tags of the
customers the list shows (not deleted, not erased) by the customers' owner, team and
template, which is what access control looks at, so the tags page of someone who does not
see everyone sums a few rows (:func:`visible_tag_counts`). Every service that creates,
deletes, restores or erases customers, changes their tags or hands them to another owner
adjusts them in its own transaction through the functions here (``n = n + k``, so concurrent
writers add up). :func:`verify` recounts from the rows; ``dossier counts
verify`` / ``dossier counts rebuild`` run it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Sum

from dossier.core.bulk_update import id_set
from dossier.customers.access import Reach
from dossier.customers.models import Customer, CustomerTag, Tag, TagOwnerCount
from dossier.templates.models import Template

#: a row of ``TagOwnerCount``: tag, owner, team (0 for none) and template ids
Key = tuple[int, int, int, int]
#: a live customer and one of its tag ids
Link = tuple[Customer, int]


def _key(tag_id: int, owner_id: int | None, team_id: int | None, template_id: int) -> Key:
    return (tag_id, owner_id or 0, team_id or 0, template_id)


def _add(model: Any, deltas: Mapping[int, int]) -> None:
    # one UPDATE per distinct delta, ids in order (rows are locked in the same order by all)
    by_delta: dict[int, list[int]] = {}
    for pk, delta in sorted(deltas.items()):
        if delta:
            by_delta.setdefault(delta, []).append(pk)
    for delta, ids in sorted(by_delta.items()):
        model.objects.filter(pk__in=ids).update(customer_count=F("customer_count") + delta)


def _add_owned(deltas: Mapping[Key, int]) -> None:
    """Add to the per-owner rows, creating those missing: one upsert, keys in order."""
    rows = [(*key, delta) for key, delta in sorted(deltas.items()) if delta]
    quote = connection.ops.quote_name
    table = quote(TagOwnerCount._meta.db_table)
    key = "tag_id, owner_id, team_id, template_id"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 500):
            chunk = rows[start : start + 500]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({key}, customer_count) VALUES {values} "
                f"ON CONFLICT ({key}) DO UPDATE "
                f"SET customer_count = {table}.customer_count + EXCLUDED.customer_count",
                [value for row in chunk for value in row],
            )


def tags_changed(*, added: Iterable[Link] = (), removed: Iterable[Link] = ()) -> None:
    """Live customers gained the tags ``added`` and lost the tags ``removed``."""
    tags: Counter[int] = Counter()
    owned: Counter[Key] = Counter()
    for links, sign in ((added, 1), (removed, -1)):
        for customer, tag_id in links:
            tags[tag_id] += sign
            if customer.erased_at is None:
                key = _key(tag_id, customer.owner_id, customer.team_id, customer.template_id)
                owned[key] += sign
    _add(Tag, tags)
    _add_owned(owned)


def customers_changed(customer_ids: Iterable[Any], sign: int) -> None:
    """Customers came alive (``sign`` 1: created, restored) or went (-1: deleted, erased).

    Call it after creating (the rows and tags exist) and before deleting for good.
    """
    ids = list(customer_ids)
    if not ids:
        return
    templates: Counter[int] = Counter()
    tags: Counter[int] = Counter()
    owned: Counter[Key] = Counter()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for template_id, n in (
            Customer.objects.filter(pk__in=chunk)
            .values_list("template_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            templates[template_id] += n * sign
        for tag_id, owner_id, team_id, template_id, erased, n in _links_by_key(
            CustomerTag.objects.filter(customer_id__in=chunk)
        ):
            tags[tag_id] += n * sign
            if not erased:
                owned[_key(tag_id, owner_id, team_id, template_id)] += n * sign
    _add(Template, templates)
    _add(Tag, tags)
    _add_owned(owned)


def customers_erased(customer_ids: Iterable[Any]) -> None:
    """Customers are being erased (anonymised in place): still counted, but no longer listed.

    Call it before marking them erased; those already erased or deleted are left alone.
    """
    ids = list(customer_ids)
    owned: Counter[Key] = Counter()
    for start in range(0, len(ids), 1000):
        links = CustomerTag.objects.filter(
            customer_id__in=id_set(ids[start : start + 1000]), customer__deleted_at__isnull=True
        )
        for tag_id, owner_id, team_id, template_id, erased, n in _links_by_key(links):
            if not erased:
                owned[_key(tag_id, owner_id, team_id, template_id)] -= n
    _add_owned(owned)


def customer_moved(
    customer: Customer, *, owner_id: int | None, team_id: int | None, template_id: int
) -> None:
    """A live customer went from this owner, team and template to the ones it has now."""
    if customer.erased_at is not None:  # not in the per-owner counts
        return
    before = (owner_id or 0, team_id or 0, template_id)
    after = (customer.owner_id or 0, customer.team_id or 0, customer.template_id)
    if before == after:
        return
    owned: Counter[Key] = Counter()
    for tag_id in CustomerTag.objects.filter(customer_id=customer.pk).values_list(
        "tag_id", flat=True
    ):
        owned[(tag_id, *before)] -= 1
        owned[(tag_id, *after)] += 1
    _add_owned(owned)


def template_added(template_id: int, n: int) -> None:
    """``n`` new customers of a template, carrying no tags yet."""
    _add(Template, {template_id: n})


def visible_tag_counts(scope: Reach) -> dict[int, int]:
    """How many of the customers in ``scope`` (not everyone's) carry each tag, by tag id.

    The sum of the kept rows of the user's own customers (and their team's), plus an exact
    count over the customers shared with them that those rows leave out (shares are few).
    """
    kept, shared = visible_tag_queries(scope)
    totals: Counter[int] = Counter(dict(kept))
    totals.update(dict(shared))
    return {tag_id: n for tag_id, n in totals.items() if n}


def visible_tag_queries(scope: Reach) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """The two queries of :func:`visible_tag_counts`: (tag id, n) from the kept rows of the
    customers held (owned, or the team's), and from the customers only shared."""
    if scope.everyone or scope.user_id is None:
        raise ValueError("for a reach of some customers, not of everyone's or nobody's")
    rows = TagOwnerCount.objects.filter(scope.held())
    shared = Customer.objects.filter(
        deleted_at__isnull=True, erased_at__isnull=True, shares__user_id=scope.user_id
    )
    shared = shared.exclude(scope.held())  # counted by the rows already
    if scope.scenarios is not None:
        rows = rows.filter(template__scenario__in=scope.scenarios)
        shared = shared.filter(template__scenario__in=scope.scenarios)
    kept = rows.values_list("tag_id").annotate(n=Sum("customer_count")).order_by()
    links = (
        CustomerTag.objects.filter(customer_id__in=shared.values("pk"))
        .values_list("tag_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return kept, links


def _links_by_key(links: Any) -> Any:
    """Tag links counted by tag, owner, team, template and erasure of their customer."""
    return (
        links.values_list(
            "tag_id",
            "customer__owner_id",
            "customer__team_id",
            "customer__template_id",
            ExpressionWrapper(Q(customer__erased_at__isnull=False), BooleanField()),
        )
        .annotate(n=Count("id"))
        .order_by()
    )


def recount() -> tuple[dict[int, int], dict[int, int], dict[Key, int]]:
    """The true counts, from the rows (a full scan: for verifying, never for pages)."""
    live = Q(customers__deleted_at__isnull=True)
    templates = dict(
        Template.objects.annotate(n=Count("customers", filter=live)).values_list("pk", "n")
    )
    tags = dict(Tag.objects.annotate(n=Count("customers", filter=live)).values_list("pk", "n"))
    owned: Counter[Key] = Counter()
    for tag_id, owner_id, team_id, template_id, erased, n in _links_by_key(
        CustomerTag.objects.filter(customer__deleted_at__isnull=True)
    ):
        if not erased:
            owned[_key(tag_id, owner_id, team_id, template_id)] += n
    return templates, tags, dict(owned)


def verify() -> list[str]:
    """Each stored count that differs from the recount, described."""
    templates, tags, owned = recount()
    drift = []
    for pk, key, stored in Template.objects.values_list("pk", "key", "customer_count"):
        if stored != templates.get(pk, 0):
            drift.append(f"template {key}: stored {stored}, counted {templates.get(pk, 0)}")
    for pk, name, stored in Tag.objects.values_list("pk", "name", "customer_count"):
        if stored != tags.get(pk, 0):
            drift.append(f"tag {name} ({pk}): stored {stored}, counted {tags.get(pk, 0)}")
    kept = _stored_owned()
    for row in sorted(kept.keys() | owned.keys()):
        if kept.get(row, 0) != owned.get(row, 0):
            tag_id, owner_id, team_id, template_id = row
            drift.append(
                f"tag {tag_id} of owner {owner_id}, team {team_id}, template {template_id}: "
                f"stored {kept.get(row, 0)}, counted {owned.get(row, 0)}"
            )
    return drift


def _stored_owned() -> dict[Key, int]:
    return {
        (tag_id, owner_id, team_id, template_id): n
        for tag_id, owner_id, team_id, template_id, n in TagOwnerCount.objects.values_list(
            "tag_id", "owner_id", "team_id", "template_id", "customer_count"
        )
    }


def rebuild() -> None:
    """Set every stored count to its recount."""
    templates, tags, owned = recount()
    for pk, n in templates.items():
        Template.objects.filter(pk=pk).update(customer_count=n)
    for pk, n in tags.items():
        Tag.objects.filter(pk=pk).update(customer_count=n)
    TagOwnerCount.objects.all().delete()
    TagOwnerCount.objects.bulk_create(
        (
            TagOwnerCount(
                tag_id=tag_id,
                owner_id=owner_id,
                team_id=team_id,
                template_id=template_id,
                customer_count=n,
            )
            for (tag_id, owner_id, team_id, template_id), n in sorted(owned.items())
        ),
        batch_size=1000,
    )
