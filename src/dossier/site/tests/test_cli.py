"""The `dossier` commands: createuser, token, demo, serve and worker."""

from __future__ import annotations

import io
import signal
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.log import configure_logging
from django_tasks import task
from django_tasks.base import TaskResultStatus

from dossier.accounts.models import ApiToken
from dossier.accounts.selectors import role_of_cached, team_id_of
from dossier.accounts.services import authenticate_token, ensure_roles
from dossier.core import roles
from dossier.customers.models import Customer, CustomerTag, Tag

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def logging_on_real_streams() -> Iterator[None]:
    """``main`` sets Django up again, binding log handlers to the captured (then closed)
    output; give later tests handlers on the real streams back."""
    yield
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def run(*args: Any, **options: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out, **options)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _roles(db: Any) -> None:
    ensure_roles()


# -- dossier --help and dossier django -----------------------------------------------------
DJANGO_DEVELOPER_COMMANDS = ["flush", "sqlflush", "squashmigrations", "testserver", "runserver"]


@pytest.mark.parametrize("argv", [[], ["--help"], ["-h"], ["help"]])
def test_help_lists_dossier_commands_in_groups_without_djangos(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    from dossier.cli import main

    main(argv)
    out = capsys.readouterr().out
    lines = out.splitlines()
    setup, running, data = lines.index("Set-up:"), lines.index("Running:"), lines.index("Data:")
    assert setup < running < data

    def names(start: int) -> list[str]:
        block = lines[start + 1 : lines.index("", start)]
        assert all(len(line.split(maxsplit=1)) == 2 for line in block)  # a name and its line
        return [line.split()[0] for line in block]

    assert names(setup) == ["migrate", "createuser", "demo"]
    assert names(running) == ["serve", "worker"]
    assert set(names(data)) >= {"backup", "restore", "keys", "retention", "token"}
    words = set(out.replace("`", " ").split())
    for command in [*DJANGO_DEVELOPER_COMMANDS, "makemigrations", "sendtestemail"]:
        assert command not in words, command
    assert "dossier django" in out


def test_django_commands_run_under_dossier_django(capsys: pytest.CaptureFixture[str]) -> None:
    from dossier.cli import main

    main(["django", "check"])
    assert "System check identified no issues" in capsys.readouterr().out
    main(["django", "--help"])
    listing = capsys.readouterr().out
    assert all(command in listing for command in DJANGO_DEVELOPER_COMMANDS)


@pytest.mark.parametrize(
    ("command", "hint"),
    [("flush", "run `dossier django flush`"), ("serv", "did you mean `dossier serve`?")],
)
def test_a_django_or_misspelt_command_is_refused_with_a_hint(
    command: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from dossier.cli import main

    ensure_roles()
    users = User.objects.count()
    User.objects.create(username="kept")
    with pytest.raises(SystemExit) as stop:
        main([command, "--noinput"])
    assert stop.value.code == 2
    assert hint in capsys.readouterr().err
    assert User.objects.count() == users + 1  # nothing was flushed


# -- createuser ---------------------------------------------------------------------------
def test_createuser_creates_a_user_with_role_team_and_usable_password() -> None:
    options = ["--password", "s3cret-pass!", "--email", "wf@example.cn", "--team", "华东销售部"]
    output = run("createuser", "wang.fang", "--role", "manager", *options)
    user = User.objects.get(username="wang.fang")
    assert role_of_cached(user) == roles.MANAGER
    assert team_id_of(user) is not None
    assert user.check_password("s3cret-pass!")
    assert user.email == "wf@example.cn"
    assert "wang.fang" in output


def test_createuser_rejects_an_unknown_role_and_lists_the_roles() -> None:
    with pytest.raises(CommandError) as error:
        run("createuser", "x", "--role", "boss", "--password", "s3cret-pass!")
    assert "boss" in str(error.value)
    assert all(role in str(error.value) for role in roles.ROLES)
    assert not User.objects.filter(username="x").exists()


def test_createuser_rejects_an_existing_user() -> None:
    run("createuser", "li.na", "--role", "sales", "--password", "s3cret-pass!")
    with pytest.raises(CommandError, match="already exists"):
        run("createuser", "li.na", "--role", "admin", "--password", "other-pass-99")
    assert role_of_cached(User.objects.get(username="li.na")) == roles.SALES


def test_createuser_rejects_a_short_password_and_stores_nothing() -> None:
    with pytest.raises(CommandError, match="too short"):
        run("createuser", "zhao", "--role", "sales", "--password", "abc12")
    assert not User.objects.filter(username="zhao").exists()


def test_createuser_reads_the_password_from_the_environment(monkeypatch: Any) -> None:
    monkeypatch.setenv("DOSSIER_PASSWORD", "from-the-env-42")
    run("createuser", "env.user", "--role", "analyst")
    assert User.objects.get(username="env.user").check_password("from-the-env-42")


def test_createuser_without_password_or_terminal_fails(monkeypatch: Any) -> None:
    monkeypatch.delenv("DOSSIER_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    with pytest.raises(CommandError, match="DOSSIER_PASSWORD"):
        run("createuser", "nobody", "--role", "sales")
    assert not User.objects.filter(username="nobody").exists()


def test_createuser_prompts_twice_and_rejects_different_answers(monkeypatch: Any) -> None:
    from dossier.accounts.management.commands import createuser

    monkeypatch.delenv("DOSSIER_PASSWORD", raising=False)
    monkeypatch.setattr(sys, "stdin", type("Tty", (io.StringIO,), {"isatty": lambda s: True})())
    answers = iter(["typed-pass-123", "typed-pass-124", "typed-pass-123", "typed-pass-123"])
    monkeypatch.setattr(createuser, "getpass", lambda prompt: next(answers))
    with pytest.raises(CommandError, match="do not match"):
        run("createuser", "tty.user", "--role", "service")
    run("createuser", "tty.user", "--role", "service")
    assert User.objects.get(username="tty.user").check_password("typed-pass-123")


# -- token --------------------------------------------------------------------------------
def _secret(output: str) -> str:
    return next(line for line in output.splitlines() if line.startswith("dos_"))


def test_token_create_prints_a_secret_that_authenticates_once() -> None:
    run("createuser", "erp", "--role", "sales", "--password", "s3cret-pass!")
    options = ["--user", "erp", "--scope", "read_write", "--expires-days", "30"]
    output = run("token", "create", "ERP sync", *options)
    secret = _secret(output)
    assert "not be shown again" in output
    token = authenticate_token(secret)
    assert token is not None and token.user.username == "erp"
    assert token.scope == "read_write" and token.expires_at is not None
    assert token.name == "ERP sync"


def test_token_list_shows_tokens_without_secrets_and_filters_by_user() -> None:
    run("createuser", "erp", "--role", "sales", "--password", "s3cret-pass!")
    run("createuser", "bi", "--role", "analyst", "--password", "s3cret-pass!")
    secret = _secret(run("token", "create", "ERP sync", "--user", "erp"))
    run("token", "create", "BI export", "--user", "bi")
    everything = run("token", "list")
    assert "ERP sync" in everything and "BI export" in everything
    assert secret not in everything
    only_erp = run("token", "list", "--user", "erp")
    assert "ERP sync" in only_erp and "BI export" not in only_erp


def test_token_revoke_stops_the_secret_working() -> None:
    run("createuser", "erp", "--role", "sales", "--password", "s3cret-pass!")
    secret = _secret(run("token", "create", "ERP sync", "--user", "erp"))
    token = ApiToken.objects.get(name="ERP sync")
    assert "Revoked" in run("token", "revoke", str(token.pk))
    assert authenticate_token(secret) is None
    assert "revoked" in run("token", "list", "--user", "erp")


def test_token_commands_name_unknown_users_and_tokens() -> None:
    with pytest.raises(CommandError, match="ghost"):
        run("token", "create", "x", "--user", "ghost")
    with pytest.raises(CommandError, match="9999"):
        run("token", "revoke", "9999")
    assert not ApiToken.objects.exists()


# -- demo ---------------------------------------------------------------------------------
def test_demo_creates_users_for_every_role_tags_and_customers_and_can_run_twice() -> None:
    output = run("demo", "--customers", "30", "--seed", "1")
    assert Customer.objects.count() == 30
    for role in roles.ROLES:
        assert any(role_of_cached(u) == role for u in User.objects.all()), role
    admin = User.objects.get(username="admin")
    assert role_of_cached(admin) == roles.ADMIN and admin.check_password("dossier-demo")
    assert Tag.objects.filter(name="VIP").exists() and CustomerTag.objects.exists()
    assert set(Customer.objects.values_list("template__key", flat=True)) >= {
        "retail_member",
        "sales_lead",
        "b2b_account",
    }
    assert "http://127.0.0.1:8000" in output and "dossier-demo" in output
    users, tags = User.objects.count(), Tag.objects.count()

    # the second run keeps users and tags and adds another 30 customers, same seed or not
    again = run("demo", "--customers", "30", "--seed", "1", "--password", "ignored-pass-1")
    assert User.objects.count() == users and Tag.objects.count() == tags
    assert Customer.objects.count() == 60
    assert User.objects.get(username="admin").check_password("dossier-demo")
    assert "unchanged" in again


def test_demo_owners_and_teams_follow_the_demo_users() -> None:
    run("demo", "--customers", "40", "--seed", "2", verbosity=0)
    owners = set(Customer.objects.values_list("owner__username", flat=True))
    assert owners <= {"sales", "sales.south", "service", "manager", "marketing"}
    assert Customer.objects.filter(owner__username="sales").exclude(team=None).exists()
    assert not Customer.objects.filter(owner__username="admin").exists()


def test_demo_comes_with_the_standard_tag_rules_and_scores_for_its_buyers() -> None:
    from dossier.insights.models import CustomerScore, ScoreRefresh, Segment, TagRule

    run("demo", "--customers", "60", "--seed", "5", verbosity=0)
    assert {s.name for s in Segment.objects.all()} >= {"高频次购买者", "首次购买", "潜在流失风险"}
    assert TagRule.objects.count() == 3 and ScoreRefresh.objects.count() == 1
    assert CustomerScore.objects.exclude(rfm_segment="").exists()
    assert Segment.objects.filter(last_count__isnull=False).count() == 3


def test_demo_refuses_a_weak_password_before_creating_anything() -> None:
    with pytest.raises(CommandError, match="too short"):
        run("demo", "--customers", "5", "--password", "abc")
    assert not User.objects.exists() and not Customer.objects.exists()


# -- serve and worker ---------------------------------------------------------------------
def test_serve_starts_gunicorn_with_workers_threads_and_a_pool_per_thread(
    monkeypatch: Any, settings: Any
) -> None:
    from dossier.site.management.commands import serve

    started: list[dict[str, Any]] = []
    commands: list[Any] = []
    monkeypatch.setattr(
        serve.Command, "_supervise", lambda self, children: started.append(children)
    )
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: commands.append(a))
    monkeypatch.delenv("DOSSIER_SECRET_KEY", raising=False)

    output = run("serve", "--port", "9000", "--workers", "3", "--threads", "5")

    assert commands == [("collectstatic",)]  # the workers serve collected, gzipped assets
    [children] = started
    assert list(children) == ["web server"]
    command, env = children["web server"]
    assert command[:4] == [sys.executable, "-m", "gunicorn", "dossier.wsgi:application"]
    for option in ("--bind=127.0.0.1:9000", "--workers=3", "--threads=5", "--worker-class=gthread"):
        assert option in command
    assert "--reload" not in command
    assert env["DOSSIER_DB_POOL_SIZE"] == "5" and env["DOSSIER_STATIC_COLLECTED"] == "1"
    assert "DOSSIER_SECRET_KEY" in output and "3 worker processes × 5 threads" in output

    monkeypatch.setenv("DOSSIER_SECRET_KEY", "x" * 50)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    output = run("serve", "--host", "::1", "--reload", "--with-worker")
    children = started[-1]
    command, env = children["web server"]
    assert "--bind=[::1]:8000" in command and "--reload" in command
    assert f"--workers={serve.default_workers()}" in command and "--threads=4" in command
    assert serve.default_workers() == max(2, serve.cores())
    assert children["task worker"][0] == [sys.executable, "-m", "dossier.cli", "worker"]
    assert children["task worker"][1]["DOSSIER_DB_POOL_SIZE"] == "2"
    assert "DOSSIER_SECRET_KEY" not in output and "and the task worker" in output


def test_serve_refuses_bad_sizes_and_a_worker_without_the_database_queue(
    monkeypatch: Any,
) -> None:
    from dossier.site.management.commands import serve

    started: list[Any] = []
    monkeypatch.setattr(serve.Command, "_supervise", lambda self, children: started.append(1))
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)
    with pytest.raises(CommandError, match="must be 1 or more"):
        run("serve", "--workers", "0")
    with pytest.raises(CommandError, match="must be 1 or more"):
        run("serve", "--threads", "0")
    # the test settings run tasks immediately: there is no queue for a worker
    with pytest.raises(CommandError, match="needs the database task queue"):
        run("serve", "--with-worker")
    assert started == []


@task()
def double(number: int) -> int:
    return number * 2


@pytest.fixture
def _restore_signals() -> Iterator[None]:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.mark.usefixtures("_restore_signals")
def test_worker_runs_queued_tasks_from_the_database(settings: Any, monkeypatch: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # The worker closes stale connections between tasks; here that would close the test's
    # own transaction-wrapped connection (fatal on PostgreSQL).
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    result = double.enqueue(21)
    run("worker", "--batch", "--no-startup-delay", verbosity=0)
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == 42


def test_worker_refuses_when_tasks_do_not_go_through_the_database() -> None:
    # the test settings run tasks immediately (conftest), so there is no queue to work on
    with pytest.raises(CommandError, match="not a database backend"):
        run("worker", "--batch", "--no-startup-delay")


def test_demo_if_empty_adds_customers_only_to_an_empty_database() -> None:
    from dossier.customers.models import Customer

    run("demo", "--customers", "5", "--seed", "3", "--if-empty", verbosity=0)
    assert Customer.objects.count() == 5
    run("demo", "--customers", "5", "--seed", "4", "--if-empty", verbosity=0)
    assert Customer.objects.count() == 5
