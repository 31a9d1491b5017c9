"""The ``dossier`` console script: Dossier's own commands, Django's under ``dossier django``."""

import difflib
import os
import sys

#: how ``dossier --help`` groups Dossier's commands, each with one line; a command not named
#: here is listed under "Other" with the first sentence of its own help
GROUPS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "Set-up",
        {
            "migrate": "Create or update the tables, the roles and the built-in templates",
            "createuser": "Create a user with a role",
            "demo": "Fill the database with demo users, tags and customers",
        },
    ),
    (
        "Running",
        {
            "serve": "Serve the pages and the API over HTTP (gunicorn workers)",
            "worker": "Run queued background tasks (profile migrations, imports …)",
        },
    ),
    (
        "Data",
        {
            "backup": "Write an encrypted, checksummed backup of the whole database",
            "restore": "Check a backup end to end, then replace the database with it",
            "keys": "Make, show and rotate the data encryption keys",
            "export": "Write customers to CSV, Excel or JSON, masked as the named user sees them",
            "retention": "Anonymise or delete customers whose retention period is over",
            "token": "Create, list and revoke API tokens",
            "clv": "Fit the lifetime value models (BG/NBD, Gamma-Gamma) to a CSV of transactions",
        },
    ),
)
HELP = ("-h", "--help")


def dossier_commands() -> dict[str, str]:
    """Dossier's own commands (those its apps define), by name, with the app that defines each."""
    from django.core.management import get_commands

    return {name: app for name, app in get_commands().items() if app.startswith("dossier.")}


def summary(name: str, app: str) -> str:
    """The first sentence of a command's help (for a command GROUPS does not name)."""
    from django.core.management import load_command_class

    text = " ".join(str(load_command_class(app, name).help).split())
    first, dot, _rest = text.partition(". ")
    return first + ("." if dot else "")


def usage() -> str:
    """``dossier --help``: Dossier's commands in groups, one line each."""
    commands = dossier_commands()
    groups = [(title, {n: t for n, t in texts.items() if n in commands}) for title, texts in GROUPS]
    others = sorted(set(commands).difference(*(texts for _title, texts in GROUPS)))
    groups.append(("Other", {name: summary(name, commands[name]) for name in others}))
    width = max(map(len, commands)) + 2
    out = ["Usage: dossier COMMAND [options]", ""]
    for title, texts in groups:
        if texts:
            out.append(f"{title}:")
            out += [f"  {name:<{width}}{text}" for name, text in texts.items()]
            out.append("")
    out += [
        "`dossier COMMAND --help` tells a command's options.",
        "Django's own commands (check, shell, dbshell …): `dossier django --help`, then",
        "`dossier django COMMAND`.",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    """Run ``dossier COMMAND …`` (migrate, createuser, token, demo, serve, worker …)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dossier.settings")
    import django
    from django.core.management import execute_from_command_line, get_commands

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["django"]:
        rest = args[1:]
        if not rest or rest[0] in HELP:
            rest = ["help"]
        execute_from_command_line(["dossier django", *rest])
        return
    if args[:1] == ["help"] and len(args) > 1:
        args = [args[1], "--help"]
    if not args or args[0] in (*HELP, "help"):
        django.setup()
        print(usage())
        return
    if not args[0].startswith("-"):
        django.setup()
        ours = dossier_commands()
        if args[0] not in ours:
            if args[0] in get_commands():
                hint = f"it is Django's: run `dossier django {args[0]}`."
            else:
                close = difflib.get_close_matches(args[0], ours, n=1)
                hint = f"did you mean `dossier {close[0]}`?" if close else "see `dossier --help`."
            sys.stderr.write(f"Unknown command “{args[0]}”: {hint}\n")
            sys.exit(2)
    execute_from_command_line(["dossier", *args])


if __name__ == "__main__":
    main()
