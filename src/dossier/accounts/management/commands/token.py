"""`dossier token create|list|revoke`: API tokens from the command line."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dossier.accounts.models import ApiToken
from dossier.accounts.selectors import token_list, user_list
from dossier.accounts.services import create_token, revoke_token
from dossier.core.errors import ApplicationError


def _user(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named “{username}”.")
    return user


def _status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return "expired"
    return "active"


def _when(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "-"


class Command(BaseCommand):
    help = "Create, list and revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        create = actions.add_parser("create", help="Create a token and print its secret once.")
        create.add_argument("name", help="What the token is for, e.g. “ERP sync”.")
        create.add_argument("--user", required=True, help="The user the token acts as.")
        create.add_argument(
            "--scope", choices=[ApiToken.READ, ApiToken.READ_WRITE], default=ApiToken.READ
        )
        create.add_argument("--expires-days", type=int, help="Days until the token expires.")
        listing = actions.add_parser("list", help="List tokens (never their secrets).")
        listing.add_argument("--user", help="Only this user's tokens.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("token_id", type=int, metavar="ID")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApplicationError as exc:
            details = "; ".join(e["message"] for e in exc.details("en"))
            raise CommandError(f"{exc.message} {details}".strip()) from None

    def _create(self, options: dict[str, Any]) -> None:
        days = options.get("expires_days")
        if days is not None and days < 1:
            raise CommandError("--expires-days must be at least 1.")
        token, secret = create_token(
            user=_user(options["user"]),
            name=options["name"],
            scope=options["scope"],
            expires_in_days=days,
        )
        expires = f", expires {_when(token.expires_at)}" if token.expires_at else ""
        self.stdout.write(
            f"Token {token.pk} “{token.name}” for {token.user} ({token.scope}{expires}):"
        )
        self.stdout.write(secret)
        self.stdout.write(self.style.WARNING("Store it now: the secret will not be shown again."))

    def _list(self, options: dict[str, Any]) -> None:
        users = [_user(options["user"])] if options.get("user") else list(user_list())
        rows = [token for user in users for token in token_list(user=user)]
        if not rows:
            self.stdout.write("No tokens.")
            return
        self.stdout.write(
            f"{'ID':>5}  {'USER':<16} {'NAME':<24} {'PREFIX':<12} {'SCOPE':<10} "
            f"{'CREATED':<16} {'LAST USED':<16} {'EXPIRES':<16} STATUS"
        )
        for t in sorted(rows, key=lambda t: t.pk):
            self.stdout.write(
                f"{t.pk:>5}  {t.user.username:<16} {t.name[:24]:<24} {t.prefix + '…':<12} "
                f"{t.scope:<10} {_when(t.created_at):<16} {_when(t.last_used_at):<16} "
                f"{_when(t.expires_at):<16} {_status(t)}"
            )

    def _revoke(self, options: dict[str, Any]) -> None:
        # The operator at the server's console acts as the token's owner.
        token = ApiToken.objects.select_related("user").filter(pk=options["token_id"]).first()
        if token is None:
            raise CommandError(f"No token with id {options['token_id']}.")
        revoke_token(token_id=token.pk, actor=token.user)
        self.stdout.write(self.style.SUCCESS(f"Revoked token {token.pk} “{token.name}”."))
