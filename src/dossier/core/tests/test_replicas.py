"""The replica router's decisions and the read-your-own-writes middleware, with no real replica
(the streaming replica itself: test_replicas_streaming.py)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from dossier.core import replicas
from dossier.core.replicas import COOKIE, ReplicaRouter, ReplicaStickinessMiddleware


@pytest.fixture(autouse=True)
def _fresh_context(settings: Any) -> Any:
    settings.DOSSIER_REPLICA_STICKY_SECONDS = 5
    cache.clear()
    token = replicas._wrote_at.set(None)
    yield
    replicas._wrote_at.reset(token)
    cache.clear()


def _user(pk: int) -> Any:
    return SimpleNamespace(pk=pk, is_authenticated=True)


def test_reads_go_to_a_replica_and_writes_to_the_primary() -> None:
    router = ReplicaRouter(replicas=["replica_0", "replica_1"])
    assert {router.db_for_read(None) for _ in range(200)} == {"replica_0", "replica_1"}
    assert router.db_for_write(None) == "default"


def test_without_replicas_everything_reads_the_primary() -> None:
    assert ReplicaRouter(replicas=[]).db_for_read(None) == "default"


def test_a_read_inside_a_write_transaction_goes_to_the_primary(monkeypatch: Any) -> None:
    router = ReplicaRouter(replicas=["replica_0"])
    monkeypatch.setattr(replicas.connections["default"], "in_atomic_block", True)
    assert router.db_for_read(None) == "default"


def test_a_read_just_after_a_write_goes_to_the_primary_until_the_window_ends(
    monkeypatch: Any,
) -> None:
    router = ReplicaRouter(replicas=["replica_0"])
    now = [1000.0]
    monkeypatch.setattr(replicas.time, "monotonic", lambda: now[0])
    router.db_for_write(None)
    assert router.db_for_read(None) == "default"
    now[0] += 4.9
    assert router.db_for_read(None) == "default"
    now[0] += 0.2
    assert router.db_for_read(None) == "replica_0"


def test_migrations_run_on_the_primary_only_and_relations_are_allowed() -> None:
    router = ReplicaRouter(replicas=["replica_0"])
    assert router.allow_migrate("default", "customers") is True
    assert router.allow_migrate("replica_0", "customers") is False
    assert router.allow_relation(object(), object()) is True


def _serve(request: HttpRequest, view: Any) -> tuple[HttpResponse, list[str]]:
    """Run ``view`` behind the middleware; it returns where each of its reads went."""
    router = ReplicaRouter(replicas=["replica_0"])
    seen: list[str] = []

    def get_response(request: HttpRequest) -> HttpResponse:
        seen.extend(view(request, router))
        return HttpResponse("ok")

    return ReplicaStickinessMiddleware(get_response)(request), seen


def _writes(request: HttpRequest, router: ReplicaRouter) -> list[str]:
    before = router.db_for_read(None)
    router.db_for_write(None)
    return [before, router.db_for_read(None)]


def _reads(request: HttpRequest, router: ReplicaRouter) -> list[str]:
    return [router.db_for_read(None)]


def test_a_page_that_wrote_sets_the_cookie_and_the_next_page_reads_the_primary() -> None:
    request = RequestFactory().post("/customers/new")
    request.user = cast(Any, SimpleLazyObject(lambda: _user(7)))
    response, seen = _serve(request, _writes)
    assert seen == ["replica_0", "default"]
    assert response.cookies[COOKIE]["max-age"] == 5
    assert response.cookies[COOKIE]["httponly"]

    follow = RequestFactory().get("/customers/")
    follow.COOKIES[COOKIE] = "1"
    _response, seen = _serve(follow, _reads)
    assert seen == ["default"]


def test_a_request_that_only_read_sets_nothing_and_its_write_state_does_not_leak() -> None:
    request = RequestFactory().get("/customers/")
    request.user = _user(7)
    response, seen = _serve(request, _reads)
    assert seen == ["replica_0"] and COOKIE not in response.cookies
    assert cache.get(replicas.CACHE_KEY.format(user_id=7)) is None
    # a write in one request leaves nothing behind for the next one in the same thread
    _serve(RequestFactory().post("/x"), _writes)
    assert replicas._wrote_at.get() is None and replicas._request.get() is None


def test_an_api_client_without_cookies_reads_its_own_writes_through_the_cache() -> None:
    def api_write(request: HttpRequest, router: ReplicaRouter) -> list[str]:
        request.user = _user(7)  # as TokenAuth sets it, inside the view
        return _writes(request, router)

    def api_read(request: HttpRequest, router: ReplicaRouter) -> list[str]:
        before = router.db_for_read(None)  # the token is not checked yet: no user known
        request.user = _user(7)
        return [before, router.db_for_read(None)]

    _serve(RequestFactory().post("/api/v1/customers"), api_write)
    _response, seen = _serve(RequestFactory().get("/api/v1/customers"), api_read)
    assert seen == ["replica_0", "default"]


def test_one_users_write_does_not_pin_another_users_reads() -> None:
    def write_as_7(request: HttpRequest, router: ReplicaRouter) -> list[str]:
        request.user = _user(7)
        return _writes(request, router)

    def read_as_8(request: HttpRequest, router: ReplicaRouter) -> list[str]:
        request.user = _user(8)
        return _reads(request, router)

    _serve(RequestFactory().post("/api/v1/customers"), write_as_7)
    _response, seen = _serve(RequestFactory().get("/api/v1/customers"), read_as_8)
    assert seen == ["replica_0"]


def test_anonymous_and_unresolved_users_are_not_looked_up() -> None:
    def anonymous(request: HttpRequest, router: ReplicaRouter) -> list[str]:
        request.user = AnonymousUser()
        return _reads(request, router)

    def lazy(request: HttpRequest, router: ReplicaRouter) -> list[str]:
        def resolve() -> Any:
            raise AssertionError("the router resolved a lazy user (a session read inside it)")

        request.user = cast(Any, SimpleLazyObject(resolve))
        return _reads(request, router)

    assert _serve(RequestFactory().get("/"), anonymous)[1] == ["replica_0"]
    assert _serve(RequestFactory().get("/"), lazy)[1] == ["replica_0"]


def test_a_forged_or_empty_cookie_only_moves_its_own_reads() -> None:
    forged = RequestFactory().get("/customers/")
    forged.COOKIES[COOKIE] = "<script>"
    assert _serve(forged, _reads)[1] == ["default"]
    empty_cookie = RequestFactory().get("/customers/")
    empty_cookie.COOKIES[COOKIE] = ""
    assert _serve(empty_cookie, _reads)[1] == ["replica_0"]


def test_a_zero_window_turns_stickiness_off(settings: Any) -> None:
    settings.DOSSIER_REPLICA_STICKY_SECONDS = 0
    request = RequestFactory().post("/customers/new")
    request.user = _user(7)
    response, seen = _serve(request, _writes)
    assert seen == ["replica_0", "replica_0"] and COOKIE not in response.cookies


def test_shared_state_is_read_on_the_primary_without_asking_whether_the_user_wrote(
    monkeypatch: Any,
) -> None:
    # with the database cache, asking would read the cache through the router again (the
    # streaming replica test found the recursion once API calls stopped writing each time)
    from django.core.cache.backends.db import DatabaseCache

    from dossier.core.models import Counter

    def asked() -> bool:
        raise AssertionError("shared state must not ask primary_needed()")

    router = ReplicaRouter(replicas=["replica_0"])
    monkeypatch.setattr(replicas, "primary_needed", asked)
    cache_entry = DatabaseCache("dossier_cache", {}).cache_model_class
    assert router.db_for_read(cache_entry) == "default"
    assert router.db_for_read(Counter) == "default"
    with pytest.raises(AssertionError):
        router.db_for_read(None)  # everything else still asks
