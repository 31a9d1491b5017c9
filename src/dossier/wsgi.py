"""WSGI entry point: ``dossier.wsgi:application``."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
application = get_wsgi_application()


def settle() -> None:
    """Load the URLs (and the API's routers and schemas with them), collect start-up's
    garbage, then move everything loaded out of the garbage collector's sight.

    A full collection then no longer walks the hundreds of thousands of objects that live
    as long as the process: they cost a bulk order sync about a sixth of its CPU time, and
    a list read a pause of 100–200 ms now and then (gc.freeze: CPython's advice for
    servers). Collecting first keeps start-up's cyclic garbage from being frozen for good.
    gunicorn (``dossier serve``, no ``--preload``) imports this module in each worker, after
    the fork, so each worker freezes its own.
    """
    get_resolver().url_patterns  # noqa: B018  # the property loads them
    gc.collect()
    gc.freeze()


settle()
