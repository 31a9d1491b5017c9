"""URL map: pages and the API at /api/v1."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from dossier.api import api
from dossier.home.views import home
from dossier.privacy.audit_views import audit_log

# The API authenticates with tokens, not sessions: exempt it from the log-in redirect.
api_urls, app_name, namespace = api.urls
for pattern in api_urls:
    callback = getattr(pattern, "callback", None)
    if callback is not None:
        callback.login_required = False

urlpatterns = [
    path("api/v1/", (api_urls, app_name, namespace)),
    # the language switch is on public pages too (log-in, consent confirmation)
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("home/", home, name="home"),
    path("search/", include("dossier.home.urls")),
    path("", include("dossier.accounts.urls")),
    path("templates/", include("dossier.templates.urls")),
    path("", include("dossier.customers.urls")),
    path("", include("dossier.overview.urls")),
    path("consent/", include("dossier.consent.urls")),
    path("privacy/", include("dossier.privacy.urls")),
    path("interactions/", include("dossier.interactions.urls")),
    path("feedback/", include("dossier.feedback.urls")),
    path("pipeline/", include("dossier.pipeline.urls")),
    path("campaigns/", include("dossier.campaigns.urls")),
    path("outreach/", include("dossier.outreach.urls")),
    path("tickets/", include("dossier.tickets.urls")),
    path("tasks/", include("dossier.followups.urls")),
    path("orders/", include("dossier.orders.urls")),
    path("audit/", audit_log, name="audit"),
    path("webhooks/", include("dossier.webhooks.urls")),
    path("transfer/", include("dossier.transfer.urls")),
    path("duplicates/", include("dossier.matching.urls")),
    path("insights/", include("dossier.insights.urls")),
    path("loyalty/", include("dossier.loyalty.urls")),
    path("", include("dossier.savedviews.urls")),
    path("bulk/", include("dossier.bulk.urls")),
    path("", include("dossier.capture.urls")),
    path("cleaning/", include("dossier.cleaning.urls")),
    path("verification/", include("dossier.verification.urls")),
    # probes and the Prometheus scrape (/healthz, /readyz, /metrics): no log-in
    path("", include("dossier.ops.urls")),
    path("quality/", include("dossier.quality.urls")),
    # assets (/static/) are served by WhiteNoise's middleware: no CDN, no separate web server
]
