"""Account pages: log in and out (both audited) and the user's API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dossier.accounts import login_guard, selectors, services
from dossier.accounts.models import ApiToken
from dossier.audit.services import record_audit
from dossier.core.errors import ApplicationError
from dossier.core.pages import AuthenticatedRequest, request_origin


class LoginView(auth_views.LoginView):
    """Django's log-in page, recording every success and failure in the audit log."""

    template_name = "accounts/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        attempted = str(request.POST.get("username", ""))[:150]
        client = request_origin(request)
        wait = login_guard.login_wait(username=attempted, ip=client["ip"])
        if wait:
            record_audit(
                actor=None,
                action="login_failed",
                object_type="user",
                reason=f"username: {attempted} (locked out)",
                **client,
            )
            form = self.get_form()
            form.errors.clear()
            minutes = max(1, -(-wait // 60))
            locked = ngettext(
                "Too many failed log-ins. Wait %(minutes)d minute and try again.",
                "Too many failed log-ins. Wait %(minutes)d minutes and try again.",
                minutes,
            ) % {"minutes": minutes}
            context = {"form": form, "locked": locked}
            response = render(request, self.template_name, context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        login_guard.clear(username=form.get_user().get_username())
        record_audit(actor=form.get_user(), action="login", **request_origin(self.request))
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        # the attempted name helps spot guessing; the password is never recorded
        attempted = str(self.request.POST.get("username", ""))[:150]
        client = request_origin(self.request)
        login_guard.record_failure(username=attempted, ip=client["ip"])
        record_audit(
            actor=None,
            action="login_failed",
            object_type="user",
            reason=f"username: {attempted}",
            **client,
        )
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    """Log out (POST only), recording it in the audit log."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            record_audit(actor=request.user, action="logout", **request_origin(request))
        return super().post(request, *args, **kwargs)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    scope = forms.ChoiceField(
        label=gettext_lazy("Access"), choices=ApiToken.SCOPES, initial=ApiToken.READ
    )
    expires_in_days = forms.IntegerField(
        label=gettext_lazy("Expires after (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=gettext_lazy("Leave empty for a token that does not expire."),
    )


def _state(token: ApiToken, now: Any) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


@never_cache
def tokens(request: AuthenticatedRequest) -> HttpResponse:
    """The user's API tokens; creating one shows its secret this once."""
    form = TokenForm(request.POST or None)
    created, secret = None, ""
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = services.create_token(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            form = TokenForm()
    now = timezone.now()
    rows = [{"token": t, "state": _state(t, now)} for t in selectors.token_list(user=request.user)]
    context = {"nav": "tokens", "form": form, "rows": rows, "created": created, "secret": secret}
    return render(request, "accounts/tokens.html", context)


@require_POST
def revoke(request: AuthenticatedRequest, token_id: int) -> HttpResponse:
    """Revoke one of the user's tokens; it stops working at once."""
    try:
        token = services.revoke_token(token_id=token_id, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("tokens")
