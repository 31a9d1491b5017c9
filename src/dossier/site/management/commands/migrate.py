"""`dossier migrate`: Django's migrate, then the cache table (settings.CACHES, when the
database holds the cache), the roles, the built-in templates and the pipeline's default
stages."""

from typing import Any

from django.core.management import call_command
from django.core.management.commands.migrate import Command as DjangoMigrate


class Command(DjangoMigrate):
    help = "Apply database migrations, then create the roles and install the built-in templates."

    def handle(self, *args: Any, **options: Any) -> None:
        super().handle(*args, **options)
        from django.db import connections

        from dossier.accounts.services import ensure_roles
        from dossier.pipeline.stages import ensure_default_stages
        from dossier.templates.services import install_builtin_templates

        database = options.get("database") or "default"
        if connections[database].settings_dict.get("NAME") and not options.get("plan"):
            # the shared cache's table (log-in lock-outs, rate limits); nothing without one
            call_command("createcachetable", database=database, verbosity=0)
            ensure_roles()
            installed = install_builtin_templates()
            ensure_default_stages()  # the sales pipeline's stages of any scenario without them
            if options.get("verbosity", 1) >= 1 and installed:
                self.stdout.write(f"Installed {len(installed)} built-in templates.")
