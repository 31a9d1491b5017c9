"""Shared test fixtures: users in every role, API clients with tokens, a template."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.test import Client

from dossier.accounts import token_cache
from dossier.accounts.services import create_token, create_user, ensure_roles
from dossier.core import counters, roles
from dossier.core.actors import system_actor
from dossier.templates.models import Template
from dossier.templates.selectors import forget_versions
from dossier.templates.services import create_template

PASSWORD = "correct-horse-42"


@pytest.fixture(autouse=True)
def _english_and_immediate_tasks(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Argon2 takes ~0.3 s a user on purpose; tests create many users
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The suite runs in one process and counts queries: this process's memory, not the
    # database's cache table (or Redis). accounts/tests/test_shared_cache.py runs the limits
    # across two processes on the shared caches themselves.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(autouse=True)
def _migrated_rows_for_transactional_tests(request: pytest.FixtureRequest) -> None:
    """A transactional test (a live server) starts from what ``dossier migrate`` leaves.

    The one before it emptied every table when it ended: roles, built-in templates,
    consent purposes, stages and retention policies would be gone, and which tests found
    them would depend on the order the tests ran in.
    """
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
        from dossier.site.tests.migrated_data import restore_migrated_data

        restore_migrated_data()


@pytest.fixture(autouse=True)
def _forget_remembered_tokens_and_versions() -> Iterator[None]:
    # each test rolls back its rows, so ids come round again: forget what was remembered
    # (rate-limit windows are keyed by token id in the cache: a later test's token would
    # inherit an earlier one's calls)
    token_cache.forget_all()
    forget_versions()
    cache.clear()
    counters.forget_batched()  # the API rate limit's calls held back in this process
    yield
    token_cache.forget_all()
    forget_versions()


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Requests sent straight to the WSGI app (schemathesis) leave the test's connection open.

    Django closes connections at the end of each request; inside a test's transaction that
    breaks every later query on PostgreSQL. Django's own test client does the same as this.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _served_requests_return_connections(request: pytest.FixtureRequest) -> Iterator[None]:
    """In browser tests, the live server's requests give their connection back when they end.

    The fixture above keeps connections open across requests (for requests sent in the
    test's own thread); a browser keeps its connections to the live server alive, so each
    server thread would hold a connection of PostgreSQL's bounded pool and a page's
    simultaneous requests (htmx reloads) would wait for one. Those threads never touch the
    test's own connection.
    """
    if "live_server" not in request.fixturenames:
        yield
        return
    signals.request_finished.connect(close_old_connections)
    yield
    signals.request_finished.disconnect(close_old_connections)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    ensure_roles()

    def make(username: str = "", role: str = roles.SALES, team: str | None = None) -> User:
        return create_user(
            username=username or f"{role}-{User.objects.count()}",
            password=PASSWORD,
            role=role,
            team=team,
        )

    return make


@pytest.fixture
def admin_user(make_user: Callable[..., User]) -> User:
    return make_user("boss", roles.ADMIN)


@pytest.fixture
def sales_user(make_user: Callable[..., User]) -> User:
    return make_user("li.na", roles.SALES, team="east")


class ApiClient:
    """A test client that sends a bearer token and JSON."""

    def __init__(self, user: User | None, scope: str = "read_write") -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _token, secret = create_token(user=user, name="test", scope=scope)
            self.headers["Authorization"] = f"Bearer {secret}"

    def _send(
        self, method: str, path: str, data: Any = None, raw: str | None = None, **extra: Any
    ) -> Any:
        body = (
            raw if raw is not None else (None if data is None else __import__("json").dumps(data))
        )
        call = getattr(self.client, method)
        kwargs: dict[str, Any] = {"headers": {**self.headers, **extra.pop("headers", {})}}
        if body is not None:
            kwargs.update(data=body, content_type="application/json")
        return call(f"/api/v1{path}", **kwargs, **extra)

    def get(self, path: str, **extra: Any) -> Any:
        return self._send("get", path, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._send("post", path, data, **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._send("patch", path, data, **extra)

    def put(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self._send("put", path, data, **extra)

    def delete(self, path: str, **extra: Any) -> Any:
        return self._send("delete", path, **extra)


@pytest.fixture
def api_as() -> Callable[..., ApiClient]:
    def make(user: User | None, scope: str = "read_write") -> ApiClient:
        return ApiClient(user, scope)

    return make


@pytest.fixture
def member_template(db: Any) -> Template:
    """A small retail-member template with an ID number, a unique member number and a level."""
    return create_template(
        actor=system_actor("tests"),
        key="member",
        name_zh="会员",
        name_en="Member",
        scenario="retail_member",
        fields=[
            {"key": "phone", "type": "phone", "required": True, "rules": {"mobile_only": True}},
            {
                "key": "member_no",
                "type": "text",
                "label_en": "Member number",
                "unique": True,
                "rules": {"regex": r"M\d{6}"},
            },
            {
                "key": "id_number",
                "type": "cn_id_card",
                "label_en": "ID number",
                "classification": "sensitive",
                "unique": True,
            },
            {
                "key": "level",
                "type": "choice",
                "label_en": "Level",
                "default": "normal",
                "rules": {
                    "choices": [
                        {"value": "normal", "label_zh": "普通", "label_en": "Normal"},
                        {"value": "gold", "label_zh": "金卡", "label_en": "Gold"},
                    ]
                },
            },
            {"key": "points", "type": "integer", "label_en": "Points", "rules": {"min_value": 0}},
        ],
    )


@pytest.fixture
def make_customer(member_template: Template) -> Callable[..., Any]:
    """A customer on the member template, owned by ``owner`` (made by an admin)."""
    from dossier.customers.services import create_customer

    serial = iter(range(1, 1_000_000))

    # other features' tests make look-alike customers on purpose; the duplicate check at
    # entry has tests of its own (matching/tests/test_entry.py)
    def make(
        owner: User, template: Template | None = None, allow_duplicate: bool = True, **values: Any
    ) -> Any:
        admin = User.objects.filter(username="customer-maker").first() or create_user(
            username="customer-maker", password=PASSWORD, role=roles.ADMIN
        )
        number = next(serial)
        values = {"display_name": f"客户{number}", "phone": f"1380013{number:04d}", **values}
        return create_customer(
            actor=admin,
            template=template or member_template,
            values=values,
            owner=owner,
            allow_duplicate=allow_duplicate,
        )

    return make
