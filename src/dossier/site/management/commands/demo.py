"""`dossier demo`: fill the database with realistic Chinese demo users, tags and customers."""

from __future__ import annotations

import sys
from typing import IO, Any, cast

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dossier.core.errors import ApplicationError
from dossier.customers.models import Customer
from dossier.site.demo import DEMO_PASSWORD, DEMO_USERS, run_demo


class Command(BaseCommand):
    help = (
        "Create demo teams, one user per role, tags and customers spread over the built-in "
        "templates. Users and tags that exist are kept; customers are added on every run."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=200, help="How many customers.")
        parser.add_argument(
            "--orders",
            type=int,
            help="How many orders in all (default: 3 per customer); other history scales along.",
        )
        parser.add_argument("--seed", type=int, help="Random seed, for repeatable data.")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Add customers only when there are none yet (so `make demo` can run again).",
        )
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help="Password of the demo users it creates."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["customers"]
        if count < 0:
            raise CommandError("--customers cannot be negative.")
        if options["if_empty"] and Customer.objects.exists():
            count = 0
        orders = options["orders"]
        if orders is not None and orders < 0:
            raise CommandError("--orders cannot be negative.")
        volumes = {"orders": orders / count} if orders is not None and count else {}
        try:
            validate_password(options["password"])
        except ValidationError as exc:
            raise CommandError(
                "The password is not acceptable: " + " ".join(exc.messages)
            ) from None
        # rich writes to the real stream: Django's wrapper would add a newline to every refresh
        stream = cast(IO[str], getattr(self.stdout, "_out", sys.stdout))
        console = Console(file=stream, highlight=False)
        columns = (
            TextColumn("[bold]Creating customers"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        quiet = options["verbosity"] == 0
        with Progress(*columns, console=console, disable=quiet, transient=False) as progress:
            bar = progress.add_task("customers", total=count)
            try:
                result = run_demo(
                    count=count,
                    password=options["password"],
                    seed=options["seed"],
                    advance=lambda n: progress.advance(bar, n),
                    volumes=volumes,
                )
            except ApplicationError as exc:
                details = "; ".join(e["message"] for e in exc.details("en"))
                raise CommandError(f"{exc.message} {details}".strip()) from None
        if quiet:
            return
        out = self.stdout.write
        if result.users_created:
            out(f"Users created: {', '.join(result.users_created)}")
        if result.users_existing:
            out(f"Users already there (left as they were): {', '.join(result.users_existing)}")
        if result.tags_created:
            out(f"Tags created: {', '.join(result.tags_created)}")
        rate = result.customers_created / result.customer_seconds if result.customer_seconds else 0
        out(
            f"Customers created: {result.customers_created} in {result.customer_seconds:.1f} s "
            f"({rate:,.0f}/s) "
            f"(tagged: {result.customers_tagged}, rows rejected and replaced: "
            f"{result.rows_rejected})"
        )
        if result.history:
            out("History: " + ", ".join(f"{n} {label}" for label, n in result.history.items()))
        if result.duplicate_groups:
            out(f"Likely duplicates to review: {result.duplicate_groups} groups (/duplicates/)")
        for problem in result.problems:
            out(self.style.WARNING(problem))
        others = ", ".join(f"{name} ({role})" for name, role, _team in DEMO_USERS[1:])
        out("")
        # no "run dossier serve" here: `make demo` serves right after this
        out(self.style.SUCCESS("The demo is ready. Log in at http://127.0.0.1:8000 as:"))
        out("  User:     admin")
        if "admin" in result.users_created:
            out(f"  Password: {options['password']}")
        else:
            out("  Password: unchanged (admin existed before this run)")
        out(f"  Other demo users, one per role, same password: {others}")
