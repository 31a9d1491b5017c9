"""`dossier keys generate|status|rotate`: data keys for encrypted columns."""

from __future__ import annotations

import sys
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from dossier.protection.crypto import CryptoError, new_key
from dossier.protection.keys import keyring
from dossier.protection.rotation import (
    DEFAULT_BATCH,
    DEFAULT_WRITERS,
    key_usage,
    pending_count,
    rotate_keys,
)


def _keyring() -> Any:
    try:
        return keyring()
    except (CryptoError, OSError, ValueError) as exc:
        raise CommandError(
            f"The keyring cannot be read (DOSSIER_KEYS / DOSSIER_KEY_FILE): {exc}"
        ) from None


class Command(BaseCommand):
    help = (
        "Make a new data key, show which key seals the stored values, and re-encrypt every "
        "value with the current key (the first of DOSSIER_KEYS or DOSSIER_KEY_FILE)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("generate", help="Print a new random key and an id for it.")
        actions.add_parser("status", help="Count the encrypted values sealed with each key id.")
        rotate = actions.add_parser(
            "rotate", help="Re-encrypt every value not sealed with the current key."
        )
        rotate.add_argument(
            "--batch",
            type=int,
            default=DEFAULT_BATCH,
            help=f"Rows per transaction (default {DEFAULT_BATCH}).",
        )
        rotate.add_argument(
            "--writers",
            type=int,
            default=DEFAULT_WRITERS,
            help=f"Connections writing at once on PostgreSQL (default {DEFAULT_WRITERS}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, f"_{options['action']}")(options)

    def _generate(self, options: dict[str, Any]) -> None:
        taken = set(_keyring().keys)
        key_id = base = timezone.now().strftime("k%Y%m%d")
        suffix = 1
        while key_id in taken:
            suffix += 1
            key_id = f"{base}-{suffix}"
        key = new_key()
        self.stdout.write(f"Key id: {key_id}")
        self.stdout.write(f"Key:    {key}")
        self.stdout.write("")
        self.stdout.write(
            f"Put “{key_id}:{key}” FIRST in DOSSIER_KEYS (or DOSSIER_KEY_FILE), keep the old "
            "keys after it, restart Dossier, then run `dossier keys rotate`. Remove an old key "
            "only when `dossier keys status` shows no value sealed with it."
        )
        self.stdout.write(
            self.style.WARNING("Store the key safely: data sealed with it is lost without it.")
        )

    def _status(self, options: dict[str, Any]) -> None:
        ring = _keyring()
        usage = key_usage(ring=ring)
        self.stdout.write(f"Current key: {ring.current}; keyring: {', '.join(ring.keys)}")
        if not usage:
            self.stdout.write("No encrypted values are stored.")
            return
        self.stdout.write(f"{'TABLE.COLUMN':<36} {'KEY':<16} {'VALUES':>9}  STATE")
        for row in usage:
            if row.current:
                state = "current"
            elif row.known:
                state = "old key: run `dossier keys rotate`"
            else:
                state = "MISSING: key not in the keyring, these values cannot be read"
            line = f"{row.table + '.' + row.column:<36} {row.key_id:<16} {row.count:>9}  {state}"
            self.stdout.write(line if row.known else self.style.ERROR(line))
        stale = sum(r.count for r in usage if not r.current)
        missing = sorted({r.key_id for r in usage if not r.known})
        if missing:
            self.stdout.write(
                self.style.ERROR(
                    f"Values sealed with keys not in the keyring: {', '.join(missing)}. Add "
                    "those keys back to DOSSIER_KEYS to read them."
                )
            )
        elif stale:
            self.stdout.write(f"{stale} values are on an old key.")
        else:
            self.stdout.write(self.style.SUCCESS("Every value is on the current key."))

    def _rotate(self, options: dict[str, Any]) -> None:
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1.")
        if options["writers"] < 1:
            raise CommandError("--writers must be at least 1.")
        ring = _keyring()
        # rich writes to the real stream: Django's wrapper would add a newline to every refresh
        stream = cast(IO[str], getattr(self.stdout, "_out", sys.stdout))
        console = Console(file=stream, highlight=False)
        columns = (
            TextColumn(f"[bold]Re-encrypting with key {ring.current}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        quiet = options["verbosity"] == 0
        with Progress(*columns, console=console, disable=quiet) as progress:
            pending = pending_count(ring=ring)
            bar = progress.add_task("values", total=pending)

            def advance(count: int) -> None:
                progress.advance(bar, count)

            result = rotate_keys(
                batch_size=options["batch"],
                on_batch=advance,
                pending=pending,
                writers=options["writers"],
            )
        if not quiet:
            self.stdout.write(
                f"Re-encrypted {result.rotated} values in {result.rows} rows with key "
                f"{result.current_key} ({result.pending} were on other keys)."
            )
            if result.conflicts:
                self.stdout.write(
                    f"{result.conflicts} rows changed while being rotated and were looked at again."
                )
        if result.unreadable:
            keys = ", ".join(f"{k} ({n})" for k, n in sorted(result.unreadable.items()))
            raise CommandError(
                f"Values sealed with keys not in the keyring were left as they are: {keys}. "
                "Add those keys to DOSSIER_KEYS and run `dossier keys rotate` again."
            )
        if not quiet:
            self.stdout.write(self.style.SUCCESS("Every value is on the current key."))
