"""Next-best products for a customer, each with its reason.

Nightly, :func:`refresh_affinities` counts for every pair of products how many customers
bought both (set-based SQL over each customer's distinct products; the strongest
:data:`KEEP_PER_PRODUCT` partners of each product are kept). A customer's recommendations
are the partners of what they bought that they have not bought, ranked by the share of
buyers who bought both ("bought A; 38% of A's buyers also bought B"), topped up with the
best sellers of the category they buy most. Only active products; only customers the viewer
may see (``customers.access.customer_for``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from dossier.core.actors import MaybeActor
from dossier.customers.access import customer_for
from dossier.insights.models import ProductAffinity
from dossier.orders.checks import PURCHASED
from dossier.orders.models import OrderLine, Product

KEEP_PER_PRODUCT = 20
#: pairs bought together by fewer customers than this are chance, not affinity
MIN_BOTH = 2


@dataclass(frozen=True)
class Recommendation:
    sku: str
    name: str
    score: float
    reason: str


def refresh_affinities() -> int:
    """Count co-purchases of every product pair again; how many pairs were kept."""
    lines = OrderLine._meta.db_table
    orders = "orders_order"
    table = ProductAffinity._meta.db_table
    statuses = ", ".join(["%s"] * len(PURCHASED))
    bought = (
        f"SELECT DISTINCT l.customer_id, l.product_id FROM {lines} l "
        f"JOIN {orders} o ON o.id = l.order_id "
        f"WHERE l.product_id IS NOT NULL AND o.status IN ({statuses})"
    )
    sql = f"""
        WITH bought AS ({bought}),
        buyers AS (SELECT product_id, count(*) AS n FROM bought GROUP BY product_id),
        pairs AS (
            SELECT a.product_id AS product_id, b.product_id AS other_id, count(*) AS both_n
            FROM bought a JOIN bought b
              ON a.customer_id = b.customer_id AND a.product_id <> b.product_id
            GROUP BY a.product_id, b.product_id
            HAVING count(*) >= %s
        ),
        ranked AS (
            SELECT p.product_id, p.other_id, p.both_n, u.n,
                   row_number() OVER (PARTITION BY p.product_id
                                      ORDER BY p.both_n DESC, p.other_id) AS place
            FROM pairs p JOIN buyers u ON u.product_id = p.product_id
        )
        INSERT INTO {table} (product_id, other_id, together, buyers)
        SELECT product_id, other_id, both_n, n FROM ranked WHERE place <= %s
    """
    with transaction.atomic():
        ProductAffinity.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(sql, [*PURCHASED, MIN_BOTH, KEEP_PER_PRODUCT])
        return ProductAffinity.objects.count()


def recommendations_for(
    *, actor: MaybeActor, customer_id: Any, limit: int = 5
) -> list[Recommendation]:
    """The next products to offer a customer the actor may see, best first, with reasons."""
    customer = customer_for(actor, customer_id, "view")
    purchases = OrderLine.objects.filter(
        customer_id=customer.pk, order__status__in=PURCHASED, product__isnull=False
    )
    owned = set(purchases.values_list("product_id", flat=True))
    found: dict[int, Recommendation] = {}
    partners = (
        ProductAffinity.objects.filter(product_id__in=owned, other__active=True)
        .exclude(other_id__in=owned)
        .select_related("product", "other")
    )
    for pair in sorted(partners, key=lambda p: (-p.share, -p.together, p.other.sku)):
        if pair.other_id in found:
            continue
        reason = _("bought %(a)s; %(share)s%% of its buyers also bought %(b)s") % {
            "a": pair.product.name,
            "share": round(100 * pair.share),
            "b": pair.other.name,
        }
        found[pair.other_id] = Recommendation(pair.other.sku, pair.other.name, pair.share, reason)
    if len(found) < limit:
        _top_up_from_category(found, purchases, owned, limit)
    return list(found.values())[:limit]


def _top_up_from_category(
    found: dict[int, Recommendation], purchases: Any, owned: set[int], limit: int
) -> None:
    favourite = (
        purchases.exclude(product__category="")
        .values("product__category")
        .annotate(n=Count("id"))
        .order_by("-n", "product__category")
        .first()
    )
    if favourite is None:
        return
    category = favourite["product__category"]
    sellers = Product.objects.filter(category=category, active=True).exclude(
        pk__in=owned | set(found)
    )
    best = (
        OrderLine.objects.filter(product__in=sellers, order__status__in=PURCHASED)
        .values("product_id", "product__sku", "product__name")
        .annotate(n=Count("customer_id", distinct=True))
        .order_by("-n", "product__sku")[: limit - len(found)]
    )
    for row in best:
        reason = _("a best seller of %(category)s, the category bought most") % {
            "category": category
        }
        found[row["product_id"]] = Recommendation(
            row["product__sku"], row["product__name"], 0.0, reason
        )
