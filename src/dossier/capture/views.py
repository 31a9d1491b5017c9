"""Capture-form pages: the staff's list and editor, the QR code, and the public form."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dossier.capture import selectors, services
from dossier.capture.models import VerifyVia
from dossier.capture.services.forms import PUBLIC_TYPES
from dossier.consent.models import Channel, Purpose
from dossier.core.errors import ApplicationError, TooManyAttempts, ValidationFailed
from dossier.core.fields import FieldError
from dossier.core.pages import AuthenticatedRequest, request_origin, shows_errors
from dossier.customers.services.profiles import OWNER_FIELD, current_version

_shows_errors = shows_errors("capture/error.html", nav="capture")
#: the most a public form's body may weigh (30 answers of 1,000 characters and change)
MAX_BODY = 64 * 1024


def _errors(error: ValidationFailed) -> dict[str, list[str]]:
    """Messages by field, in the page's language; "general" for the error itself."""
    language = get_language() or "zh-hans"
    by_field: dict[str, list[str]] = {}
    for err in error.errors:
        by_field.setdefault(err.field or "general", []).append(err.message(language))
    if not error.errors:
        by_field["general"] = [str(error.message)]
    return by_field


# ---- staff -------------------------------------------------------------------------------


@require_http_methods(["GET"])
@_shows_errors
def form_list(request: AuthenticatedRequest) -> HttpResponse:
    """The forms the user keeps, with their links and submission counts."""
    services.check_may_keep(request.user)
    forms = list(selectors.forms_for(request.user))
    counts = {r["form_id"]: r for r in selectors.submissions_per_form()}
    rows = [(f, counts.get(f.pk, {}).get("submissions", 0)) for f in forms]
    return render(request, "capture/list.html", {"nav": "capture", "rows": rows})


def _settings_from_post(request: HttpRequest) -> dict[str, Any]:
    post = request.POST
    return {
        "slug": post.get("slug", ""),
        "title_zh": post.get("title_zh", ""),
        "title_en": post.get("title_en", ""),
        "intro": post.get("intro", ""),
        "fields": post.getlist("fields"),
        "consents": post.getlist("consents"),
        "consent_channel": post.get("consent_channel", ""),
        "notice_version": post.get("notice_version", ""),
        "source": post.get("source", "web"),
        "lifecycle": post.get("lifecycle", ""),
        "verify_via": post.get("verify_via", ""),
    }


def _owner(request: AuthenticatedRequest) -> Any:
    name = request.POST.get("owner", "")
    if not name:
        return None
    found = selectors.owner_choices(request.user).filter(username=name[:150]).first()
    if found is None:
        raise ValidationFailed(
            _("The form could not be saved."),
            errors=[FieldError("invalid_choice", spec=OWNER_FIELD, value=name[:150])],
        )
    return found


def _editor_context(
    request: AuthenticatedRequest, template: Any, form: Any = None
) -> dict[str, Any]:
    from dossier.templates.core_fields import LIFECYCLES, SOURCES

    language = get_language() or "zh-hans"
    specs = current_version(template).specs()
    return {
        "nav": "capture",
        "template": template,
        "specs": [
            (s.key, s.label(language), s.required)
            for s in specs
            if s.type in PUBLIC_TYPES and s.key not in ("source", "lifecycle")
        ],
        "purposes": Purpose.objects.all(),
        "channels": Channel.choices,
        "sources": [
            (c["value"], c["label_zh" if language.startswith("zh") else "label_en"])
            for c in SOURCES
        ],
        "lifecycles": [
            (c["value"], c["label_zh" if language.startswith("zh") else "label_en"])
            for c in LIFECYCLES
        ],
        "verify_choices": VerifyVia.choices,
        "owners": selectors.owner_choices(request.user),
        "form": form,
        "errors": {},
    }


@require_http_methods(["GET", "POST"])
@_shows_errors
def form_new(request: AuthenticatedRequest) -> HttpResponse:
    """Pick a template, then the fields, consents and owner of a new form."""
    services.check_may_keep(request.user)
    key = (request.POST.get("template") or request.GET.get("template") or "")[:64]
    template = selectors.templates_for_forms().filter(key=key).first() if key else None
    if template is None:
        context = {"nav": "capture", "templates": selectors.templates_for_forms()}
        return render(request, "capture/pick_template.html", context)
    context = _editor_context(request, template)
    if request.method == "POST":
        values = _settings_from_post(request)
        try:
            made = services.create_form(
                actor=request.user, template=template, owner=_owner(request), values=values
            )
            messages.success(request, _("Form created."))
            return redirect("capture:edit", slug=made.slug)
        except ValidationFailed as error:
            context.update(
                errors=_errors(error), values=values, owner_name=request.POST.get("owner", "")
            )
            return render(request, "capture/edit.html", context, status=422)
    context["values"] = {
        "fields": [k for k, _l, required in context["specs"] if required],
        "source": "web",
        "lifecycle": "lead",
    }
    return render(request, "capture/edit.html", context)


@require_http_methods(["GET", "POST"])
@_shows_errors
def form_edit(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """A form's settings, its public link and QR code, and its latest submissions."""
    form = services.form_to_keep(request.user, slug)
    context = _editor_context(request, form.template, form)
    context["public_url"] = request.build_absolute_uri(reverse("capture:public", args=[form.slug]))
    context["submissions"] = selectors.submissions_of(request.user, form)
    status = 200
    if request.method == "POST":
        values = _settings_from_post(request)
        try:
            services.update_form(
                actor=request.user, slug=slug, owner=_owner(request), values=values
            )
            messages.success(request, _("Form saved."))
            return redirect("capture:edit", slug=form.slug)
        except ValidationFailed as error:
            context.update(
                errors=_errors(error), values=values, owner_name=request.POST.get("owner", "")
            )
            status = 422
    else:
        context["values"] = {
            "slug": form.slug,
            "title_zh": form.title_zh,
            "title_en": form.title_en,
            "intro": form.intro,
            "fields": form.fields,
            "consents": form.consents,
            "consent_channel": form.consent_channel,
            "notice_version": form.notice_version,
            "source": form.source,
            "lifecycle": form.lifecycle,
            "verify_via": form.verify_via,
        }
        context["owner_name"] = form.owner.get_username()
    return render(request, "capture/edit.html", context, status=status)


@require_POST
@_shows_errors
def form_active(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Open or close a form."""
    active = request.POST.get("active") == "1"
    services.set_active(actor=request.user, slug=slug, active=active)
    messages.success(request, _("The form is open.") if active else _("The form is closed."))
    return redirect("capture:edit", slug=slug)


@require_http_methods(["GET"])
@_shows_errors
def form_qr(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The form's public link as an SVG QR code (to print for a counter or an event)."""
    form = services.form_to_keep(request.user, slug)
    url = request.build_absolute_uri(reverse("capture:public", args=[form.slug]))
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2, title=form.title)
    response = HttpResponse(out.getvalue(), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="{form.slug}.svg"'
    return response


# ---- public ------------------------------------------------------------------------------


def _public_form(slug: str) -> Any:
    form = selectors.public_form(slug)
    if form is None:
        raise Http404
    return form


def _too_many(
    request: HttpRequest, form: Any, error: TooManyAttempts, template: str, context: dict[str, Any]
) -> HttpResponse:
    minutes = max(1, -(-error.retry_after // 60))
    context["errors"] = {
        "general": [
            ngettext(
                "Too many tries from here. Try again in %(minutes)d minute.",
                "Too many tries from here. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes}
        ]
    }
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def _public_context(
    form: Any, values: dict[str, Any], errors: dict[str, list[str]]
) -> dict[str, Any]:
    specs = {s.key: s for s in current_version(form.template).specs()}
    return {
        "form": form,
        "specs": [specs[k] for k in form.fields if k in specs],
        "values": values,
        "errors": errors,
        "purposes": list(Purpose.objects.filter(key__in=form.consents)),
        "ticked": [],
    }


def _typed(request: HttpRequest, specs: list[Any]) -> dict[str, Any]:
    from dossier.customers.forms import values_from_post

    return values_from_post(request.POST, specs)


@login_not_required
@require_http_methods(["GET", "POST"])
def public_form(request: HttpRequest, slug: str) -> HttpResponse:
    """The public form (no log-in): one column, phone first; closed or unknown forms are 404."""
    form = _public_form(slug)
    context = _public_context(form, {}, {})
    if request.method != "POST":
        return render(request, "capture/public.html", context)
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
        context["errors"] = {"general": [_("The form is too large to send.")]}
        return render(request, "capture/public.html", context, status=413)
    data: dict[str, Any] = _typed(request, context["specs"])
    data["consents"] = request.POST.getlist("consents")
    data["website"] = request.POST.get("website", "")
    origin = request_origin(request)
    context["values"], context["ticked"] = data, data["consents"]
    try:
        outcome = services.submit(
            form=form, data=data, client_ip=origin["ip"], user_agent=origin["user_agent"]
        )
    except TooManyAttempts as error:
        return _too_many(request, form, error, "capture/public.html", context)
    except ValidationFailed as error:
        context["errors"] = _errors(error)
        if set(context["errors"]) - set(form.fields):  # not the visitor's to fix (the owner …)
            context["errors"] = {
                "general": [_("Your details could not be taken. Please ask our staff.")]
            }
        return render(request, "capture/public.html", context, status=422)
    except ApplicationError:
        # anything else the services refuse (a conflict …) is told without details: the
        # public learns nothing about who is on file
        context["errors"] = {
            "general": [_("Your details could not be taken. Please ask our staff.")]
        }
        return render(request, "capture/public.html", context, status=409)
    if outcome.pending and outcome.submission is not None:
        return redirect("capture:code", slug=form.slug, token=outcome.submission.public_id)
    return redirect("capture:thanks", slug=form.slug)


@login_not_required
@require_http_methods(["GET", "POST"])
def public_code(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The submitter types the code sent to their phone or e-mail."""
    form = _public_form(slug)
    submission = services.pending_submission(token)
    if submission is None or submission.form_id != form.pk:
        raise Http404
    context: dict[str, Any] = {"form": form, "errors": {}, "code": ""}
    if request.method != "POST":
        return render(request, "capture/code.html", context)
    context["code"] = request.POST.get("code", "")[:32]
    origin = request_origin(request)
    try:
        services.confirm_code(submission=submission, code=context["code"], client_ip=origin["ip"])
    except TooManyAttempts as error:
        return _too_many(request, form, error, "capture/code.html", context)
    except ValidationFailed as error:
        context["errors"] = _errors(error)
        return render(request, "capture/code.html", context, status=422)
    except ApplicationError:
        context["errors"] = {
            "general": [_("Your details could not be taken. Please ask our staff.")]
        }
        return render(request, "capture/code.html", context, status=409)
    return redirect("capture:thanks", slug=form.slug)


@login_not_required
@require_http_methods(["GET"])
def public_thanks(request: HttpRequest, slug: str) -> HttpResponse:
    """The same thanks whatever happened to the submission."""
    return render(request, "capture/thanks.html", {"form": _public_form(slug)})
