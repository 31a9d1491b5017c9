"""`dossier serve`: run the web server (Django's runserver, no auto-reload by default)."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Serve Dossier over HTTP (pages, API and static assets). For the internet, put it "
        "behind a reverse proxy that terminates HTTPS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument(
            "--reload", action="store_true", help="Restart when the code changes (development)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if not os.environ.get("DOSSIER_SECRET_KEY"):
            self.stderr.write(
                self.style.WARNING(
                    "DOSSIER_SECRET_KEY is not set: sessions and development encryption keys "
                    "use a public default. Set it (and DOSSIER_KEYS) before real data goes in."
                )
            )
        allowed = settings.ALLOWED_HOSTS
        if host not in allowed and "*" not in allowed:
            self.stderr.write(
                self.style.WARNING(
                    f"Allowed host names are {', '.join(allowed) or 'none'}: browsers reaching "
                    f"this server by another name are refused (set DOSSIER_ALLOWED_HOSTS)."
                )
            )
        ipv6 = ":" in host
        address = f"[{host}]:{port}" if ipv6 else f"{host}:{port}"
        call_command("runserver", address, use_reloader=options["reload"], use_ipv6=ipv6)
