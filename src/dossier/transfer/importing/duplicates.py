"""An import under a template that blocks duplicates: rows that are sure duplicates fail.

At entry (API, page) a ``block`` template refuses a new customer that is surely someone on
file; an import keeps that promise row by row. A row fails with ``likely_duplicate`` on the
key it shares (phone, e-mail, id number), naming the customer on file only when the
importer may see them. Under ``warn`` rows are imported and what looks like someone on file
is queued for review once the run ends (``engine._review_created``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User

from dossier.core.fields import FieldError, FieldSpec
from dossier.core.fields.validate import validate_values
from dossier.customers.access import restrict
from dossier.customers.duplicates import BLOCK
from dossier.customers.models import Customer
from dossier.customers.services.bulk_load import PreparedCustomer
from dossier.matching.services.reviewing import sure_duplicates_on_file
from dossier.templates.models import Template
from dossier.transfer.importing.plan import ColumnPlan
from dossier.transfer.importing.rows import FileRow

New = tuple[FileRow, PreparedCustomer]


def refuse_sure_duplicates(
    *, actor: User, template: Template, plan: ColumnPlan, new: list[New]
) -> list[New]:
    """The rows of ``new`` that may still create customers; the others get their error."""
    if template.duplicate_policy != BLOCK or not new:
        return new
    specs = list(plan.specs.values())

    def clean_of(index: int) -> Mapping[str, Any] | None:
        result = validate_values(new[index][0].values, specs)
        return None if result.errors else result.clean

    found = sure_duplicates_on_file(
        lookups=[item.lookups for _row, item in new], clean_of=clean_of, specs=specs
    )
    if not found:
        return new
    visible = set(
        restrict(Customer.objects.all(), actor, "view")
        .filter(pk__in=[c.pk for on_file in found.values() for c, _field in on_file])
        .values_list("pk", flat=True)
    )
    for index, on_file in found.items():
        new[index][0].errors.append(_error(on_file, visible, specs))
    return [pair for index, pair in enumerate(new) if index not in found]


def _error(
    on_file: Sequence[tuple[Customer, str]], visible: set[Any], specs: Sequence[FieldSpec]
) -> FieldError:
    field = on_file[0][1]
    shared = next((s for s in specs if s.key == field), None)
    seen = [c for c, _field in on_file if c.pk in visible]
    if seen:
        return FieldError(
            "likely_duplicate_of",
            spec=shared,
            field=field,
            customer=f"{seen[0].display_name} ({seen[0].pk})",
        )
    return FieldError("likely_duplicate_hidden", spec=shared, field=field)
