"""`dossier createuser NAME --role ROLE`: create a user with a role (and a team)."""

from __future__ import annotations

import os
import sys
from getpass import getpass
from typing import Any

from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dossier.accounts.services import create_user
from dossier.accounts.usernames import normalise_username
from dossier.core import roles
from dossier.core.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Create a user with a role. The password comes from --password, the DOSSIER_PASSWORD "
        "environment variable, or a prompt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The name the user logs in with.")
        parser.add_argument("--role", required=True, help=f"One of: {', '.join(roles.ROLES)}.")
        parser.add_argument(
            "--password", help="The password (prefer DOSSIER_PASSWORD or the prompt)."
        )
        parser.add_argument("--email", default="", help="The user's e-mail address.")
        parser.add_argument("--team", help="A team to put the user in (created if new).")

    def handle(self, *args: Any, **options: Any) -> None:
        # stored as users log in with it: ｓｅｒｖｉｃｅ and Service are the user "service"
        username = normalise_username(options["username"])
        role = options["role"].strip().lower()
        if role not in roles.ROLES:
            raise CommandError(f"Unknown role “{role}”. The roles are: {', '.join(roles.ROLES)}.")
        if not username:
            raise CommandError("The user name may not be empty.")
        if User.objects.filter(username=username).exists():
            raise CommandError(f"A user named “{username}” already exists.")
        password = self._password(options.get("password"))
        try:
            # Django's password validators (length, common passwords) are the rule for passwords.
            validate_password(password, User(username=username, email=options["email"]))
        except ValidationError as exc:
            raise CommandError(
                "The password is not acceptable: " + " ".join(exc.messages)
            ) from None
        try:
            user = create_user(
                username=username,
                password=password,
                role=role,
                email=options["email"],
                team=options.get("team") or None,
            )
        except ApplicationError as exc:
            details = "; ".join(e["message"] for e in exc.details("en"))
            raise CommandError(f"{exc.message} {details}".strip()) from None
        team = f", team {options['team']}" if options.get("team") else ""
        self.stdout.write(self.style.SUCCESS(f"Created user “{user.username}” ({role}{team})."))

    def _password(self, given: str | None) -> str:
        if given:
            return given
        if os.environ.get("DOSSIER_PASSWORD"):
            return os.environ["DOSSIER_PASSWORD"]
        if not sys.stdin.isatty():
            raise CommandError(
                "No password given: use --password, set DOSSIER_PASSWORD, or run in a terminal."
            )
        first = getpass("Password: ")
        if getpass("Password (again): ") != first:
            raise CommandError("The two passwords do not match.")
        return first
