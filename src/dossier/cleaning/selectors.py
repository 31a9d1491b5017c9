"""Reading cleaning runs and their suggestions, as far as the actor may see them."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.cleaning.models import CleaningRun, CleaningSuggestion
from dossier.core import roles
from dossier.core.actors import MaybeActor
from dossier.core.errors import NotFound
from dossier.core.fields.masking import mask_text
from dossier.customers.access import may, restrict_owned, sees_everyone
from dossier.customers.selectors import customer_names
from dossier.protection.disclosure import may_see_personal
from dossier.templates.core_fields import CORE_FIELDS

_CLASSIFICATION = {spec.key: spec.classification for spec in CORE_FIELDS}


def visible_runs(*, actor: MaybeActor) -> QuerySet[CleaningRun]:
    """Runs the actor started; a manager's team's; every run for an administrator."""
    if not may(actor, "customers.change_customer") or actor is None:
        return CleaningRun.objects.none()
    runs = CleaningRun.objects.select_related("started_by")
    if sees_everyone(actor, "change"):
        return runs
    mine = Q(started_by_id=actor.pk)
    team = team_id_of(actor)
    if role_of_cached(actor) == roles.MANAGER and team is not None:
        mine |= Q(team_id=team)
    return runs.filter(mine)


def run_for(*, actor: MaybeActor, run_id: int) -> CleaningRun:
    """One run the actor may see (404 otherwise, so another team's runs are not confirmed)."""
    run = visible_runs(actor=actor).filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such cleaning run."), code="cleaning_run_not_found")
    return run


def suggestions_of(
    *, actor: MaybeActor, run: CleaningRun, state: str | None = None
) -> QuerySet[CleaningSuggestion]:
    """The run's suggestions about customers the actor may change (now), by customer."""
    found = run.suggestions.all()
    if state:
        found = found.filter(state=state)
    return restrict_owned(found, actor, "change").order_by("customer_id", "id")


def shown(value: str, field: str, actor: MaybeActor) -> str:
    """A value as the actor may see it: personal fields masked without the right to see them."""
    if not value or _CLASSIFICATION.get(field, "general") == "general":
        return value
    if _CLASSIFICATION[field] == "personal" and may_see_personal(actor):
        return value
    return mask_text(value)


def suggestion_rows(
    *, actor: MaybeActor, run: CleaningRun, limit: int = 500
) -> list[dict[str, Any]]:
    """The run's suggestions for a page: customer name, field, values as the actor may see."""
    suggestions = list(suggestions_of(actor=actor, run=run)[:limit])
    names = customer_names(actor=actor, customer_ids=[s.customer_id for s in suggestions])
    labels = {spec.key: spec for spec in CORE_FIELDS}
    rows = []
    for s in suggestions:
        spec = labels.get(s.field)
        rows.append(
            {
                "id": s.pk,
                "customer": str(s.customer_id),
                "name": names.get(str(s.customer_id), ""),
                "field": s.field,
                "label": spec.label(get_language() or "zh-hans") if spec else s.field,
                "current": shown(s.current_value, s.field, actor),
                "suggested": shown(s.suggested_value, s.field, actor),
                "reason": s.reason,
                "state": s.state,
            }
        )
    return rows


def report_rows(*, actor: MaybeActor, run: CleaningRun) -> dict[str, list[dict[str, Any]]]:
    """The run's unparsed addresses and failing profiles, naming only customers still visible."""
    ids = [e["customer"] for e in (*run.unparsed, *run.failures)]
    names = customer_names(actor=actor, customer_ids=ids)
    return {
        "unparsed": [
            {**e, "name": names[e["customer"]]} for e in run.unparsed if e["customer"] in names
        ],
        "failures": [
            {**e, "name": names[e["customer"]]} for e in run.failures if e["customer"] in names
        ],
    }
