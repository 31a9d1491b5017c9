"""`dossier customers trash|restore`: the deleted customers, from the command line."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dossier.core.actors import Actor, system_actor
from dossier.core.errors import ApplicationError
from dossier.customers.models import Customer
from dossier.customers.services import restore_customer


def _user(username: str | None) -> Actor:
    if not username:
        return system_actor("customers-command")
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"No active user named “{username}”.")
    return user


class Command(BaseCommand):
    help = (
        "List the deleted customers or restore one. Without --as the command acts as the "
        "system (it runs on the server); with --as it acts as that user, with their rights."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("trash", help="List the deleted customers (id, deleted at).")
        restore = actions.add_parser("restore", help="Restore a deleted customer by its id.")
        restore.add_argument("customer_id", metavar="ID")
        restore.add_argument("--as", dest="username", help="Act as this user (audited as them).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ApplicationError as exc:
            details = "; ".join(e["message"] for e in exc.details("en"))
            raise CommandError(f"{exc.message} {details}".strip()) from None

    def _trash(self, options: dict[str, Any]) -> None:
        # the system's view of the trash: ids and dates only, no personal data on the console
        rows = Customer.objects.filter(deleted_at__isnull=False).order_by("-deleted_at")
        for customer_id, deleted_at in rows.values_list("id", "deleted_at"):
            when = timezone.localtime(deleted_at).strftime("%Y-%m-%d %H:%M")
            self.stdout.write(f"{customer_id}  deleted {when}")

    def _restore(self, options: dict[str, Any]) -> None:
        try:
            customer_id = UUID(options["customer_id"])
        except ValueError:
            raise CommandError(f"“{options['customer_id']}” is not a customer id.") from None
        customer = restore_customer(actor=_user(options["username"]), customer_id=customer_id)
        self.stdout.write(f"Restored customer {customer.pk}.")
