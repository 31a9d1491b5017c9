"""WSGI entry point: ``dossier.wsgi:application``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
application = get_wsgi_application()
