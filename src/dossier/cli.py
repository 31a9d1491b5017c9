"""The ``dossier`` console script: Django's management commands under one name."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run ``dossier COMMAND …`` (migrate, createuser, token, demo, serve, worker …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["dossier", *argv])
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
