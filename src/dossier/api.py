"""The REST API at /api/v1: one NinjaAPI, token auth, one error shape for every 4xx."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError
from ninja.parser import Parser

from dossier.accounts.api import router as accounts_router
from dossier.accounts.auth import TokenAuth, TokenRateThrottle
from dossier.bulk.api import router as bulk_router
from dossier.campaigns.api import router as campaigns_router
from dossier.consent.api import router as consent_router
from dossier.core.errors import ApplicationError
from dossier.customers.api import router as customers_router
from dossier.customers.api import tags_router
from dossier.customers.profile_migrations import router as profile_migrations_router
from dossier.feedback.api import router as feedback_router
from dossier.feedback.api import surveys_router
from dossier.followups.api import router as tasks_router
from dossier.home.api import router as search_router
from dossier.insights.api import router as insights_router
from dossier.interactions.api import router as interactions_router
from dossier.loyalty.api import router as loyalty_router
from dossier.matching.api import router as matching_router
from dossier.orders.api import products_router
from dossier.orders.api import router as orders_router
from dossier.overview.api import router as overview_router
from dossier.pipeline.api import opportunities_router, stages_router
from dossier.privacy.api import router as privacy_router
from dossier.privacy.audit_api import router as audit_router
from dossier.savedviews.api import router as savedviews_router
from dossier.templates.api import router as templates_router
from dossier.tickets.api import router as tickets_router
from dossier.transfer.api import router as exports_router
from dossier.webhooks.api import router as webhooks_router

logger = logging.getLogger(__name__)


class BodyNotAnObject(ValueError):
    """A JSON body that is not an object (``[null, null]``, ``"text"``, ``42``)."""


class ObjectBodyParser(Parser):
    """Every request body of this API is a JSON object; anything else is refused (422).

    ninja would read the fields of ``[null, null]`` as missing and, where all of them are
    optional, call the endpoint with the defaults.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject(type(data).__name__)
        return data


class ApiDocs(Swagger):
    """ninja's Swagger UI in a page of ours: a phone's viewport, the page's language, a way back."""

    template = "core/api_docs.html"


api = NinjaAPI(
    title="Dossier API",
    version="1",
    description=(
        "Customer profiles built on templates. Every call needs `Authorization: Bearer <token>`."
    ),
    auth=TokenAuth(),
    throttle=[TokenRateThrottle(settings.DOSSIER_API_RATE)],
    urls_namespace="api",
    docs_url="/docs",
    docs=ApiDocs(),
    parser=ObjectBodyParser(),
)
api.add_router("/customers", customers_router)
api.add_router("/customers", overview_router)  # the 360 view: timeline and figures
api.add_router("/tags", tags_router)
api.add_router("", matching_router)
api.add_router("/templates", templates_router)
api.add_router("/templates", profile_migrations_router)
api.add_router("/consent", consent_router)
api.add_router("/privacy", privacy_router)
api.add_router("/audit", audit_router)
api.add_router("/interactions", interactions_router)
api.add_router("/feedback", feedback_router)
api.add_router("/surveys", surveys_router)
api.add_router("/tickets", tickets_router)
api.add_router("/tasks", tasks_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/opportunities", opportunities_router)
api.add_router("/pipeline", stages_router)
api.add_router("/campaigns", campaigns_router)
api.add_router("/orders", orders_router)
api.add_router("/products", products_router)
api.add_router("/loyalty", loyalty_router)
api.add_router("/insights", insights_router)
api.add_router("", savedviews_router)  # /saved-views, /list-preferences
api.add_router("/bulk-actions", bulk_router)
api.add_router("/exports", exports_router)
api.add_router("/search", search_router)
api.add_router("/verification", "dossier.verification.api.router")
api.add_router("/", accounts_router)


def _error(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "errors": errors or []}, status=status
    )


@api.exception_handler(ApplicationError)
def application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    response = api.create_response(request, exc.as_dict(get_language()), status=exc.status)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@api.exception_handler(RequestValidationError)
def request_invalid(request: HttpRequest, exc: RequestValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        location = [str(part) for part in err.get("loc", ())]
        # drop "body"/"query"/"path" and the parameter name ninja wraps the body in
        field = ".".join(
            location[2:] if len(location) > 2 and location[0] == "body" else location[1:]
        )
        errors.append(
            {
                "field": field,
                "code": str(err.get("type", "invalid")),
                "message": str(err.get("msg", "")),
            }
        )
    return _error(request, 422, "validation_failed", _("The request is not valid."), errors)


@api.exception_handler(DataError)
def database_refused(request: HttpRequest, exc: DataError) -> HttpResponse:
    # A value the checks let through but the database cannot store (a NUL character on
    # PostgreSQL, say): the caller's input, so a 422 rather than a server error.
    logger.warning("database refused a value: %s", exc)
    return _error(
        request,
        422,
        "invalid_value",
        _("A value contains characters or a length the database cannot store."),
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        "unauthenticated",
        _("A valid API token is required (Authorization: Bearer …)."),
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", _("Not found."))


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(
        request,
        413,
        "body_too_large",
        _("The request body is too large (at most %(size)s MB).")
        % {"size": f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024):g}"},
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400 and isinstance(exc.__cause__, BodyNotAnObject):
        # ninja wraps whatever the parser raises in a 400; a body of the wrong type is a 422
        detail = {
            "field": "body",
            "code": "type",
            "message": _("The request body must be a JSON object."),
        }
        return _error(request, 422, "validation_failed", _("The request is not valid."), [detail])
    if exc.status_code == 400:
        # ninja raises this for a body that is not JSON
        return _error(request, 400, "malformed_request", _("The request body is not valid JSON."))
    if exc.status_code == 429:
        response = _error(
            request, 429, "rate_limited", _("Too many requests: slow down and retry later.")
        )
        wait = getattr(exc, "wait", None)
        if wait:
            response["Retry-After"] = str(int(wait) + 1)
        return response
    return _error(request, exc.status_code, "http_error", str(exc))
