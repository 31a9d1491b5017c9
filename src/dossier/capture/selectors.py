"""Reading capture forms and their submissions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.capture.models import CaptureForm, CaptureSubmission, Status
from dossier.core import roles


def forms_for(actor: Any) -> QuerySet[CaptureForm]:
    """The forms the actor keeps: every form for admins, their team's for managers."""
    forms = CaptureForm.objects.select_related("template", "owner")
    if getattr(actor, "is_superuser", False) or role_of_cached(actor) == roles.ADMIN:
        return forms
    team = team_id_of(actor)
    if role_of_cached(actor) == roles.MANAGER and team is not None:
        return forms.filter(team_id=team)
    return forms.none()


def public_form(slug: str) -> CaptureForm | None:
    """The active form published at /f/<slug>/, or None (closed and unknown look the same)."""
    return (
        CaptureForm.objects.select_related("template", "owner")
        .filter(slug=str(slug)[:64], active=True, template__archived_at__isnull=True)
        .first()
    )


def submissions_of(actor: Any, form: CaptureForm, *, limit: int = 100) -> list[dict[str, Any]]:
    """A form's latest submissions: status and date, the customer only if the actor sees them
    (a match may be someone else's customer)."""
    from dossier.customers.access import restrict
    from dossier.customers.models import Customer

    rows = list(form.submissions.order_by("-created_at")[:limit])
    ids = {r.customer_id for r in rows if r.customer_id}
    visible = set(
        restrict(Customer.objects.all(), actor, "view")
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    return [
        {
            "created_at": r.created_at,
            "status": r.get_status_display(),
            "customer_id": r.customer_id if r.customer_id in visible else None,
        }
        for r in rows
    ]


def submissions_per_form(
    *, since: datetime | None = None, team_id: int | None = None
) -> list[dict[str, Any]]:
    """Per form: submissions, new customers, matches and unconfirmed ones (quality reports)."""
    rows = CaptureSubmission.objects.all()
    if since is not None:
        rows = rows.filter(created_at__gte=since)
    if team_id is not None:
        rows = rows.filter(form__team_id=team_id)
    counted: Any = (
        rows.values("form_id", "form__slug")
        .annotate(
            submissions=Count("pk"),
            created=Count("pk", filter=Q(status=Status.CREATED)),
            matched=Count("pk", filter=Q(status=Status.MATCHED)),
            pending=Count("pk", filter=Q(status__in=[Status.PENDING, Status.EXPIRED])),
        )
        .order_by("-submissions", "form__slug")
    )
    return [dict(row) for row in counted]


def customer_submissions(customer_id: Any) -> list[CaptureSubmission]:
    """The forms a customer came through (their profile shows the source)."""
    return list(
        CaptureSubmission.objects.filter(customer_id=customer_id)
        .select_related("form")
        .order_by("-created_at")[:20]
    )


def owner_choices(actor: Any) -> QuerySet[Any]:
    """Users a form's customers may go to: the manager's team, anyone active for admins."""
    from django.contrib.auth.models import User

    from dossier.accounts.selectors import team_members

    users = User.objects.filter(is_active=True).order_by("username")
    if role_of_cached(actor) == roles.MANAGER and not getattr(actor, "is_superuser", False):
        team = team_id_of(actor)
        return users.filter(pk__in=team_members(team)) if team else users.filter(pk=actor.pk)
    return users


def templates_for_forms() -> QuerySet[Any]:
    """Published templates a form can be built from."""
    from dossier.templates.models import Template

    return Template.objects.filter(
        archived_at__isnull=True, current_version__isnull=False
    ).order_by("key")
