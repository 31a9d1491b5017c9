"""Rebuilding the blind-index lookups of customers from their stored values."""

from __future__ import annotations

from django.db import transaction

from dossier.core.fields import get_type
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.values import split_values, stored_values
from dossier.templates.selectors import version_info

#: columns added after the migration that first runs :func:`reindex_lookups` (0010)
LATER_COLUMNS = ("sort_name",)


def reindex_lookups(*, batch_size: int = 500) -> int:
    """Compute every customer's lookups again (exact and last-four-digit ones); how many.

    For lookups added after customers were stored (a new lookup kind) or after the index key
    changed. Values are decrypted with the application's keys, one batch at a time; erased
    customers keep no lookups. Deleted customers are included: restoring needs theirs.
    """
    done = 0
    # a migration runs this too, before later columns exist: read none it does not need
    customers = Customer.objects.filter(erased_at__isnull=True).defer(*LATER_COLUMNS).order_by("id")
    last = None
    while True:
        batch = customers.filter(id__gt=last) if last is not None else customers
        rows = list(batch[:batch_size])
        if not rows:
            return done
        with transaction.atomic():
            # a value keeps its place in the unique index only if it did not change
            indexed = set(
                CustomerLookup.objects.filter(customer__in=rows, unique=True).values_list(
                    "customer_id", "field", "digest"
                )
            )
            CustomerLookup.objects.filter(customer__in=rows).delete()
            CustomerLookup.objects.bulk_create(
                CustomerLookup(
                    customer=customer,
                    template_id=customer.template_id,
                    field=key,
                    digest=digest,
                    unique=(customer.pk, key, digest) in indexed,
                )
                for customer in rows
                for key, digest in _lookups(customer).items()
            )
        done += len(rows)
        last = rows[-1].id


def _lookups(customer: Customer) -> dict[str, str]:
    specs = version_info(customer.template_version_id).specs
    values = stored_values(customer, specs)
    clean = {
        spec.key: get_type(spec.type).from_storage(values[spec.key])
        for spec in specs
        if values.get(spec.key) is not None
    }
    return split_values(clean, specs).lookup_rows()
