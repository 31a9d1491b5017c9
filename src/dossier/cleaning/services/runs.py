"""Cleaning runs: started by a person, done in the background, written as suggestions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.accounts.selectors import team_id_of
from dossier.audit.services import record_audit
from dossier.cleaning.addresses import Address, parse_addresses
from dossier.cleaning.models import CleaningRun, CleaningSuggestion
from dossier.cleaning.typos import (
    ADDRESS_PARTS,
    FIELD_RULES,
    fix_address,
    fix_city,
    fix_province,
    fix_text,
)
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.core.fields import FieldSpec, validate_values
from dossier.customers.access import may, restrict
from dossier.customers.models import Customer

# one function writes a failure entry of a template migration's report (field, code,
# message, never the value); a re-validation report has the same shape, so it reuses it
from dossier.customers.services.migration import _report_entry as report_entry
from dossier.customers.services.storage import unique_errors
from dossier.customers.values import split_values, stored_values
from dossier.templates.models import TemplateVersion

BATCH = 500
CHANGE = "customers.change_customer"
#: an address that splits, but whose region disagrees with the customer's region columns
INCONSISTENT = "inconsistent"
REGION_FIELDS = ("province", "city", "district")
_COUNTS = ["examined", "suggested", "failed"]


def check_may_clean(actor: Any) -> None:
    """Cleaning proposes changes to customers: those who may change customers only."""
    if not may(actor, CHANGE):
        raise PermissionDenied(_("You may not clean customer data."))


@transaction.atomic
def start_run(*, actor: User, kind: str) -> CleaningRun:
    """Queue a run of ``kind`` over the customers the actor may change (audited)."""
    check_may_clean(actor)
    if kind not in dict(CleaningRun.KINDS):
        raise ValidationFailed(_("Unknown kind of cleaning."), code="invalid_choice")
    run = CleaningRun.objects.create(
        kind=kind,
        started_by=actor,
        team_id=team_id_of(actor),
        language=get_language() or "zh-hans",
    )
    record_audit(
        actor=actor, action="cleaning_start", object_type="cleaning_run", object_id=run.pk,
        changes={"kind": kind},
    )  # fmt: skip
    from dossier.cleaning.tasks import run_cleaning_task  # the task module imports this one

    transaction.on_commit(lambda: run_cleaning_task.enqueue(run.pk))
    return run


def _customers(actor: User | None) -> QuerySet[Customer]:
    live = Customer.objects.filter(erased_at__isnull=True).select_related(
        "template", "template_version"
    )
    return restrict(live, actor, "change").order_by("pk")


def _batches(customers: QuerySet[Customer]) -> Iterator[list[Customer]]:
    last = None
    while True:
        batch = list((customers.filter(pk__gt=last) if last is not None else customers)[:BATCH])
        if not batch:
            return
        yield batch
        last = batch[-1].pk


def run_cleaning(*, run: CleaningRun) -> CleaningRun:
    """Look at every customer the starter may change and record suggestions or failures.

    Values are decrypted in memory only; the run keeps ids, fields and codes, and the
    suggestions keep their values encrypted.
    """
    run.state = CleaningRun.RUNNING
    run.save(update_fields=["state"])
    work = {
        CleaningRun.ADDRESSES: _addresses,
        CleaningRun.TYPOS: _typos,
        CleaningRun.REVALIDATE: _revalidate,
    }[run.kind]
    try:
        with translation.override(run.language):
            for batch in _batches(_customers(run.started_by)):
                with transaction.atomic():
                    suggestions = work(run, batch)
                    CleaningSuggestion.objects.bulk_create(suggestions)
                    run.examined += len(batch)
                    run.suggested += len(suggestions)
                    run.save(
                        update_fields=["examined", "suggested", "failed", "unparsed", "failures"]
                    )
    except Exception as error:  # recorded as failed (its kind only: a message may quote a value)
        run.state, run.error = CleaningRun.FAILED, type(error).__name__
        run.finished_at = timezone.now()
        run.save()
        raise
    run.state, run.finished_at = CleaningRun.DONE, timezone.now()
    run.save()
    record_audit(
        actor=run.started_by,
        action="cleaning_run",
        object_type="cleaning_run",
        object_id=run.pk,
        changes={
            "kind": run.kind,
            "examined": run.examined,
            "suggested": run.suggested,
            "unparsed": len(run.unparsed),
            "failed": run.failed,
        },
    )
    return run


def _suggestion(
    run: CleaningRun, customer: Customer, field: str, suggested: str, reason: str
) -> CleaningSuggestion:
    return CleaningSuggestion(
        run=run,
        customer=customer,
        field=field,
        current_value=getattr(customer, field) or "",
        suggested_value=suggested,
        reason=reason,
        base_version=customer.version,
    )


def _agrees(address: Address, customer: Customer) -> bool:
    """Whether the customer's region columns, as far as filled, name the parsed regions."""
    for field in REGION_FIELDS:
        written = "".join((getattr(customer, field) or "").split())
        if written and not getattr(address, field).startswith(written):
            return False
    return True


def _addresses(run: CleaningRun, batch: list[Customer]) -> list[CleaningSuggestion]:
    with_address = [c for c in batch if (c.address or "").strip()]
    parsed = parse_addresses([c.address for c in with_address])
    # an address without its region ("科技园路1号") may split with the region columns before it
    retry = [i for i, p in enumerate(parsed) if not p.ok and _region(with_address[i])]
    again = parse_addresses([_region(with_address[i]) + with_address[i].address for i in retry])
    for i, address in zip(retry, again, strict=True):
        if address.ok:
            parsed[i] = address
    suggestions = []
    for customer, address in zip(with_address, parsed, strict=True):
        problem = address.problem or ("" if _agrees(address, customer) else INCONSISTENT)
        if problem:
            run.unparsed.append({"customer": str(customer.pk), "problem": problem})
            continue
        for field in (*REGION_FIELDS, "address"):
            value = address.detail if field == "address" else getattr(address, field)
            # never suggest emptying a value: a part the table lacks is not known to be wrong
            if value and value != (getattr(customer, field) or ""):
                suggestions.append(_suggestion(run, customer, field, value, ADDRESS_PARTS))
    return suggestions


def _region(customer: Customer) -> str:
    return "".join(getattr(customer, f) or "" for f in REGION_FIELDS)


def _typos(run: CleaningRun, batch: list[Customer]) -> list[CleaningSuggestion]:
    suggestions = []
    for customer in batch:
        fixes = {f: rule(getattr(customer, f) or "") for f, rule in FIELD_RULES.items()}
        fixes["address"] = fix_address(customer.address or "")
        fixes["district"] = fix_text(customer.district or "")
        fixes["province"] = fix_province(customer.province or "")
        province = fixes["province"][0] if fixes["province"] else customer.province
        fixes["city"] = fix_city(customer.city or "", province or "")
        for field, fix in fixes.items():
            if fix is not None:
                suggestions.append(_suggestion(run, customer, field, fix[0], fix[1]))
    return suggestions


def _revalidate(run: CleaningRun, batch: list[Customer]) -> list[CleaningSuggestion]:
    language = run.language
    targets: dict[int, list[FieldSpec]] = {}
    for customer in batch:
        template = customer.template
        if template.current_version_id is None:
            continue
        if template.current_version_id not in targets:
            version = TemplateVersion.objects.prefetch_related("fields")
            targets[template.current_version_id] = version.get(
                pk=template.current_version_id
            ).specs()
        specs = targets[template.current_version_id]
        values = stored_values(customer, customer.template_version.specs())
        known = {s.key for s in specs}
        result = validate_values(
            {k: v for k, v in values.items() if k in known}, specs, apply_defaults=True
        )
        errors = list(result.errors)
        if result.ok:
            stored = split_values(result.clean, specs)
            errors += unique_errors(stored, specs, template, exclude=customer.pk)
        if errors:
            run.failed += 1
            entries = [report_entry(e, language) for e in errors]
            run.failures.append({"customer": str(customer.pk), "errors": entries})
    return []
