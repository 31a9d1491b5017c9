"""WSGI entry point: ``dossier.wsgi:application``."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
application = get_wsgi_application()
# Load the URLs (and the API's routers and schemas with them) now, then move everything
# loaded so far out of the garbage collector's sight: a full collection no longer walks the
# hundreds of thousands of objects that live as long as the process, which cost a bulk
# order sync about a sixth of its CPU time (gc.freeze: CPython's advice for servers).
get_resolver().url_patterns  # noqa: B018  # the property loads them
gc.freeze()
