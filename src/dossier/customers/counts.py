"""Customer counts per template and per tag, kept by the services instead of counted per view.

``Template.customer_count`` and ``Tag.customer_count`` hold how many customers that are not
deleted have that template / carry that tag. Every service that creates, deletes, restores or
erases customers, or changes their tags, adjusts them in its own transaction through the
functions here (``UPDATE … SET n = n + k``, so concurrent writers add up). :func:`verify`
recounts from the rows; ``dossier counts verify`` / ``dossier counts rebuild`` run it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, F, Q

from dossier.customers.models import Customer, CustomerTag, Tag
from dossier.templates.models import Template


def _add(model: Any, deltas: Mapping[int, int]) -> None:
    # one UPDATE per distinct delta, ids in order (rows are locked in the same order by all)
    by_delta: dict[int, list[int]] = {}
    for pk, delta in sorted(deltas.items()):
        if delta:
            by_delta.setdefault(delta, []).append(pk)
    for delta, ids in sorted(by_delta.items()):
        model.objects.filter(pk__in=ids).update(customer_count=F("customer_count") + delta)


def tags_changed(*, added: Iterable[int] = (), removed: Iterable[int] = ()) -> None:
    """A live customer gained the tags ``added`` and lost the tags ``removed``."""
    deltas: Counter[int] = Counter(added)
    deltas.subtract(Counter(removed))
    _add(Tag, deltas)


def customers_changed(customer_ids: Iterable[Any], sign: int) -> None:
    """Customers came alive (``sign`` 1: created, restored) or went (-1: deleted, erased).

    Call it after creating (the rows and tags exist) and before deleting for good.
    """
    ids = list(customer_ids)
    if not ids:
        return
    templates: Counter[int] = Counter()
    tags: Counter[int] = Counter()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        for template_id, n in (
            Customer.objects.filter(pk__in=chunk)
            .values_list("template_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            templates[template_id] += n * sign
        for tag_id, n in (
            CustomerTag.objects.filter(customer_id__in=chunk)
            .values_list("tag_id")
            .annotate(n=Count("id"))
            .order_by()
        ):
            tags[tag_id] += n * sign
    _add(Template, templates)
    _add(Tag, tags)


def template_added(template_id: int, n: int) -> None:
    """``n`` new customers of a template, carrying no tags yet."""
    _add(Template, {template_id: n})


def recount() -> tuple[dict[int, int], dict[int, int]]:
    """The true counts, from the rows (a full scan: for verifying, never for pages)."""
    live = Q(customers__deleted_at__isnull=True)
    templates = dict(
        Template.objects.annotate(n=Count("customers", filter=live)).values_list("pk", "n")
    )
    tags = dict(Tag.objects.annotate(n=Count("customers", filter=live)).values_list("pk", "n"))
    return templates, tags


def verify() -> list[str]:
    """Each stored count that differs from the recount, described."""
    templates, tags = recount()
    drift = []
    for pk, key, stored in Template.objects.values_list("pk", "key", "customer_count"):
        if stored != templates.get(pk, 0):
            drift.append(f"template {key}: stored {stored}, counted {templates.get(pk, 0)}")
    for pk, name, stored in Tag.objects.values_list("pk", "name", "customer_count"):
        if stored != tags.get(pk, 0):
            drift.append(f"tag {name} ({pk}): stored {stored}, counted {tags.get(pk, 0)}")
    return drift


def rebuild() -> None:
    """Set every stored count to its recount."""
    templates, tags = recount()
    for pk, n in templates.items():
        Template.objects.filter(pk=pk).update(customer_count=n)
    for pk, n in tags.items():
        Tag.objects.filter(pk=pk).update(customer_count=n)
