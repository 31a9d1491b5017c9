"""The role matrix: every API operation and every page, called anonymously and by every role.

Each operation of the OpenAPI schema and each named page has one row below saying what every
actor gets for a representative call (see ``matrix_fixtures`` for the calls and the world they
run in). A new operation or page without a row fails the coverage tests, so nobody adds an
endpoint without deciding who may use it. Masking is checked on the same world: who sees a
phone number whole, and that nobody sees a 身份证 number whole without an audited reveal.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from dossier.accounts.models import ApiToken
from dossier.accounts.services import create_token
from dossier.api import api
from dossier.audit.models import AuditEvent
from dossier.core.fields.contact import display_phone
from dossier.core.fields.masking import MASKED_OTHER
from dossier.customers.models import Customer
from dossier.site.tests.app_matrices import app_matrices, merged
from dossier.site.tests.matrix_fixtures import (
    ACTORS,
    API_CALLS,
    CONTRACT_NAME,
    CUSTOM_TEMPLATE,
    ID_NUMBER,
    MASKED_ID,
    MASKED_PHONE,
    PAGE_CALLS,
    WHOLE_PHONE,
    World,
    build_world,
)

pytestmark = pytest.mark.django_db

PREFIX = "/api/v1"
OK, DENIED, UNSEEN = "2xx", "403", "404"
ALL_OK = (OK,) * len(ACTORS)

# What each actor gets (2xx, or the 4xx status); anonymous callers always get 401.
# Columns (ACTORS): admin, manager, sales, service, marketing, analyst, outsider.
API: dict[str, tuple[str, ...]] = {
    "GET /customers":                                 (OK, OK, OK, OK, OK, DENIED, OK),
    "POST /customers":                                (OK, OK, OK, OK, DENIED, DENIED, OK),
    "GET /customers/{customer_id}":                   (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "PATCH /customers/{customer_id}":                 (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "DELETE /customers/{customer_id}":                (OK, OK, DENIED, DENIED, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    # the trash: those who may delete (admins all, managers their team's) see and restore
    "GET /customers/trash":                           (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /customers/{customer_id}/restore":          (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /customers/{customer_id}/reveal":           (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "PUT /customers/{customer_id}/tags":              (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),
    "GET /tags":                                      (OK, OK, OK, OK, OK, DENIED, OK),
    "POST /tags":                                     (OK, OK, DENIED, DENIED, OK, DENIED, DENIED),
    "PATCH /tags/{tag_id}":                           (OK, OK, DENIED, DENIED, OK, DENIED, DENIED),
    "DELETE /tags/{tag_id}":                          (OK, OK, DENIED, DENIED, OK, DENIED, DENIED),
    "GET /templates":                                 ALL_OK,
    "POST /templates":                                (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET /templates/field-types":                     ALL_OK,
    "GET /templates/{key}":                           ALL_OK,
    "PUT /templates/{key}":                           (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "DELETE /templates/{key}":                        (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /templates/{key}/clone":                    (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET /templates/{key}/versions":                  ALL_OK,
    "GET /templates/{key}/versions/{number}":         ALL_OK,
    # a migration rewrites every customer on the template: the manager cannot reach the
    # outsider's customer on it, so only the admin may run it
    "POST /templates/{key}/migrations":               (OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    # the report names customers of every owner: only those who may migrate read it (as on
    # the page customers:template_migration)
    "GET /templates/{key}/migrations/{migration_id}": (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET /consent/purposes":                          ALL_OK,
    "GET /consent/customers/{customer_id}":           (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),
    "POST /consent/customers/{customer_id}/grant":    (OK, OK, OK, OK, DENIED, DENIED, UNSEEN),
    "POST /consent/customers/{customer_id}/withdraw": (OK, OK, OK, OK, DENIED, DENIED, UNSEEN),
    "POST /consent/customers/{customer_id}/double-opt-in": (OK, OK, OK, OK, DENIED, DENIED, UNSEEN),
    # the customer's landing page relays a code: any token may, a wrong code is refused
    "POST /consent/confirm":                          ("422",) * len(ACTORS),
    "GET /consent/marketing-export":                  (OK, OK, DENIED, DENIED, OK, DENIED, DENIED),
    "GET /privacy/requests":                          (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/requests":                         (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/requests/{request_id}/complete":   (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/requests/{request_id}/refuse":     (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET /privacy/customers/{customer_id}/export":    (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/customers/{customer_id}/erase":    (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/customers/{customer_id}/restrict": (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/customers/{customer_id}/lift-restriction": (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/customers/{customer_id}/object":   (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/customers/{customer_id}/self-service-link": (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET /privacy/retention/policies":                (OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/retention/policies":               (OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST /privacy/retention/run":                    (OK, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET /audit":                                     (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET /me":                                        ALL_OK,
    "GET /tokens":                                    ALL_OK,
    "POST /tokens":                                   ALL_OK,
    "DELETE /tokens/{token_id}":                      ALL_OK,
}  # fmt: skip

LOGIN, REDIRECT, PAGE, KEPT = "login", "302", "200", "kept"
# Pages: anonymous first, then the actors. "login": redirected to the log-in page; "302": a
# redirect after the write was done; "kept": answered (a redirect with an error message)
# without doing it. Columns: anonymous, then ACTORS.
PAGES: dict[str, tuple[str, ...]] = {
    "GET login":                 (PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "POST logout":               (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # noqa: E501
    # shown on the public pages (log-in, consent confirmation) too, so it must work there
    "POST set_language":         (REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # noqa: E501
    # the home page (dossier.home): each role's own sections
    "GET home":                  (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET tokens":                (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "POST revoke_token":         (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT, REDIRECT),  # noqa: E501
    "GET audit":                 (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET customers:list":        (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, DENIED, PAGE),
    # who may not create customers never sees the form (marketing, analyst)
    "GET customers:new":         (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, PAGE),
    # a search box's choices: only customers the user may see (none for analysts)
    "GET customers:pick":        (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET customers:create":      (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, DENIED, PAGE),
    "POST customers:create":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT),  # noqa: E501
    "GET customers:detail":      (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
    "POST customers:reveal":     (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET customers:edit":        (LOGIN, PAGE, PAGE, PAGE, PAGE, DENIED, UNSEEN, UNSEEN),
    "POST customers:delete":     (LOGIN, REDIRECT, REDIRECT, KEPT, KEPT, KEPT, UNSEEN, UNSEEN),
    "GET customers:trash":       (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST customers:restore":    (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET customers:tags":        (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, DENIED, PAGE),
    "POST customers:tag_update": (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT, DENIED, DENIED),  # noqa: E501
    "POST customers:tag_delete": (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, REDIRECT, DENIED, DENIED),  # noqa: E501
    "GET templates:list":        (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET templates:detail":      (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET templates:edit":        (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "GET templates:clone":       (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST templates:archive":    (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST customers:template_migrate":    (LOGIN, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET templates:version":     (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET customers:template_migration":   (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET consent:customer":      (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, UNSEEN, UNSEEN),
    "GET consent:confirm":       (PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
    "GET privacy:requests":      (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST privacy:request_close": (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "GET privacy:customer":      (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST privacy:export":       (LOGIN, PAGE, PAGE, DENIED, DENIED, DENIED, DENIED, DENIED),
    "POST privacy:link":         (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    "POST privacy:action":       (LOGIN, REDIRECT, REDIRECT, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    # the customer's own page: the signed link is the key, whoever opens it
    "GET privacy:self_service":  (PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE, PAGE),
}  # fmt: skip
PAGE_NAMESPACES = ("customers", "templates", "consent", "privacy")

# Apps built on the core keep their rows in ``<app>/tests/matrix.py`` (API, API_CALLS, PAGES,
# PAGE_CALLS, PAGE_NAMESPACES); they are added here, and a row named twice is an error.
for _module in app_matrices():
    API = merged(API, getattr(_module, "API", {}))
    API_CALLS = merged(API_CALLS, getattr(_module, "API_CALLS", {}))
    PAGES = merged(PAGES, getattr(_module, "PAGES", {}))
    PAGE_CALLS = merged(PAGE_CALLS, getattr(_module, "PAGE_CALLS", {}))
    PAGE_NAMESPACES = (*PAGE_NAMESPACES, *getattr(_module, "PAGE_NAMESPACES", ()))


@pytest.fixture
def world(settings: Any) -> World:
    settings.DOSSIER_CONSENT_SENDER = "dossier.consent.senders.MemorySender"
    return build_world()


@pytest.fixture
def secrets(world: World) -> dict[str, str]:
    """A read-write API token of every actor."""
    return {
        actor: create_token(user=world.users[actor], name="matrix", scope="read_write")[1]
        for actor in ACTORS
    }


def call_api(method: str, path: str, body: Any = None, secret: str = "") -> Any:
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(Client(), method.lower())(PREFIX + path, **kwargs)


def outcome(response: Any) -> str:
    return OK if 200 <= response.status_code < 300 else str(response.status_code)


def schema_operations() -> set[str]:
    paths = api.get_openapi_schema()["paths"]
    return {
        f"{method.upper()} {path.removeprefix(PREFIX)}"
        for path, operations in paths.items()
        for method in operations
    }


# ---- the API ---------------------------------------------------------------------------------


def test_matrix_covers_every_operation_of_the_schema() -> None:
    operations = schema_operations()
    assert sorted(operations - set(API)) == [], "operations without a row in the role matrix"
    assert sorted(set(API) - operations) == [], "rows for operations the API no longer has"
    assert set(API) == set(API_CALLS)


@pytest.mark.parametrize("operation", sorted(API))
def test_operation_answers_every_actor_as_the_matrix_says(
    operation: str, world: World, secrets: dict[str, str]
) -> None:
    method = operation.split(" ", 1)[0]
    path, body = API_CALLS[operation](world, "admin")
    anonymous = call_api(method, path, body)
    wrong = [] if anonymous.status_code == 401 else [f"anonymous: {anonymous.status_code}"]
    for actor, expected in zip(ACTORS, API[operation], strict=True):
        path, body = API_CALLS[operation](world, actor)
        response = call_api(method, path, body, secrets[actor])
        if outcome(response) != expected:
            detail = response.content[:200].decode(errors="replace")
            wrong.append(f"{actor}: expected {expected}, got {response.status_code} {detail}")
    assert wrong == [], f"{operation}\n" + "\n".join(wrong)


def test_read_only_token_may_read_but_not_write(world: World) -> None:
    _token, secret = create_token(user=world.users["manager"], name="reader", scope="read")
    assert call_api("GET", "/tags", secret=secret).status_code == 200
    refused = call_api("POST", "/tags", {"name": "只读"}, secret)
    assert (refused.status_code, refused.json()["code"]) == (403, "token_read_only")
    customer = world.fresh_customer("manager")
    assert call_api("DELETE", f"/customers/{customer.pk}", secret=secret).status_code == 403
    assert Customer.objects.get(pk=customer.pk).deleted_at is None


def test_only_an_admin_revokes_another_users_token(world: World, secrets: dict[str, str]) -> None:
    token = world.fresh_token("sales")
    for actor in ("manager", "outsider", "analyst"):
        response = call_api("DELETE", f"/tokens/{token.pk}", secret=secrets[actor])
        assert response.status_code == 404, actor
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert call_api("DELETE", f"/tokens/{token.pk}", secret=secrets["admin"]).status_code == 204
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None


# ---- masking in API output -------------------------------------------------------------------


def _get(world: World, secrets: dict[str, str], actor: str, customer: Customer) -> Any:
    return call_api("GET", f"/customers/{customer.pk}", secret=secrets[actor])


def test_real_estate_customer_shows_phone_whole_and_id_number_masked_in_scope(
    world: World, secrets: dict[str, str]
) -> None:
    for actor in ("admin", "manager", "sales"):
        response = _get(world, secrets, actor, world.estate)
        assert response.status_code == 200, actor
        data = response.json()
        assert data["values"]["phone"] == WHOLE_PHONE, actor
        assert data["values"]["id_number"] == MASKED_ID, actor
        assert data["values"]["annual_income"] == MASKED_OTHER, actor
        assert {"id_number", "annual_income"} <= set(data["masked"]), actor
        assert "phone" not in data["masked"], actor
        assert ID_NUMBER not in response.content.decode(), actor
    # outside the scenario of their role, or the team, or any scope at all
    for actor in ("service", "marketing", "analyst", "outsider"):
        assert _get(world, secrets, actor, world.estate).status_code == 404, actor


def test_phone_is_masked_for_marketing_and_whole_for_owner_and_shares(
    world: World, secrets: dict[str, str]
) -> None:
    owner = _get(world, secrets, "service", world.member).json()
    assert owner["values"]["phone"] == WHOLE_PHONE
    marketing = _get(world, secrets, "marketing", world.member).json()
    assert marketing["values"]["phone"] == MASKED_PHONE
    assert "phone" in marketing["masked"]
    shared = _get(world, secrets, "sales", world.account).json()  # shared by west sales
    assert shared["values"]["phone"] == WHOLE_PHONE
    listed = call_api("GET", "/customers", secret=secrets["marketing"]).json()["items"]
    assert [item["values"]["phone"] for item in listed] == [MASKED_PHONE]


def test_customer_list_holds_exactly_each_actors_scope(
    world: World, secrets: dict[str, str]
) -> None:
    w = world
    expected = {
        "admin": {w.estate, w.member, w.repair, w.account, w.contract},
        "manager": {w.estate, w.member, w.repair},  # team east, every scenario
        "sales": {w.estate, w.account},  # own, and shared by west sales
        "service": {w.member, w.repair},
        "marketing": {w.member},  # shared with them
        "outsider": {w.account, w.contract},
    }
    for actor, customers in expected.items():
        response = call_api("GET", "/customers", secret=secrets[actor])
        assert response.status_code == 200, actor
        assert {item["id"] for item in response.json()["items"]} == {
            str(c.pk) for c in customers
        }, actor
        assert ID_NUMBER not in response.content.decode(), actor
    assert call_api("GET", "/customers", secret=secrets["analyst"]).status_code == 403


def test_only_a_reveal_with_permission_and_reason_shows_the_id_number_and_is_audited(
    world: World, secrets: dict[str, str]
) -> None:
    path = f"/customers/{world.estate.pk}/reveal"
    reveals = AuditEvent.objects.filter(action="reveal", customer_id=world.estate.pk)
    for actor in ("sales", "service", "marketing", "analyst", "outsider"):
        body = {"fields": ["id_number"], "reason": "核实购房合同身份"}
        assert call_api("POST", path, body, secrets[actor]).status_code == 403, actor
    no_reason = call_api("POST", path, {"fields": ["id_number"], "reason": ""}, secrets["manager"])
    assert no_reason.status_code == 422
    assert not reveals.exists()

    body = {"fields": ["id_number"], "reason": "核实购房合同身份"}
    response = call_api("POST", path, body, secrets["manager"])
    assert response.status_code == 200
    assert response.json() == {"values": {"id_number": ID_NUMBER}}
    event = reveals.get()
    assert (event.actor, event.reason) == (world.users["manager"], "核实购房合同身份")
    assert event.changes == {"fields": ["id_number"]}
    # a reveal is for that one answer: the next read is masked again
    again = _get(world, secrets, "manager", world.estate).json()
    assert again["values"]["id_number"] == MASKED_ID


def test_migration_report_names_customers_only_to_those_who_may_migrate(
    world: World, secrets: dict[str, str]
) -> None:
    path = f"/templates/{CUSTOM_TEMPLATE}/migrations/{world.migration.pk}"
    report = call_api("GET", path, secret=secrets["admin"]).json()
    assert report["failures"][0]["name"] == CONTRACT_NAME  # the report names the customer
    for actor in ("sales", "service", "marketing", "analyst"):
        response = call_api("GET", path, secret=secrets[actor])
        assert CONTRACT_NAME not in json.dumps(response.json(), ensure_ascii=False), actor
        assert response.status_code == 403, actor


# ---- pages -----------------------------------------------------------------------------------


def _names(patterns: list[Any], namespace: str = "") -> set[str]:
    found = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            if inner != "api":
                found |= _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
    return found


def page_names() -> set[str]:
    """Every named page: the namespaced apps' pages and the project's own named URLs."""
    return _names(get_resolver().url_patterns)


def test_matrix_covers_every_named_page() -> None:
    covered = {key.split(" ", 1)[1] for key in PAGES}
    names = page_names()
    assert {n.split(":")[0] for n in names if ":" in n} == set(PAGE_NAMESPACES)
    assert sorted(names - covered) == [], "pages without a row in the role matrix"
    assert sorted(covered - names) == [], "rows for pages that no longer exist"
    assert set(PAGES) == set(PAGE_CALLS)


def _page_outcome(response: Any, done: Callable[[], bool] | None) -> str:
    status = response.status_code
    if status == 302 and response["Location"].startswith("/login/?next="):
        return LOGIN
    if status == 302 and done is not None and not done():
        return KEPT
    return str(status)


def _request_page(client: Client, method: str, call: Any) -> Any:
    if method == "POST":
        return client.post(call.url, call.data)
    return client.get(call.url)


@pytest.mark.parametrize("page", sorted(PAGES))
def test_page_answers_every_actor_as_the_matrix_says(page: str, world: World) -> None:
    method = page.split(" ", 1)[0]
    wrong = []
    for actor, expected in zip(("anonymous", *ACTORS), PAGES[page], strict=True):
        call = PAGE_CALLS[page](world, "admin" if actor == "anonymous" else actor)
        assert (call.data is not None) == (method == "POST"), page
        client = Client()
        if actor != "anonymous":
            client.force_login(world.users[actor])
        got = _page_outcome(_request_page(client, method, call), call.done)
        if got != expected:
            wrong.append(f"{actor}: expected {expected}, got {got} ({call.url})")
    assert wrong == [], f"{page}\n" + "\n".join(wrong)


def _page(world: World, actor: str, customer: Customer) -> str:
    client = Client()
    client.force_login(world.users[actor])
    response = client.get(f"/customers/{customer.pk}/")
    assert response.status_code == 200, actor
    return response.content.decode()


def test_detail_page_masks_phone_for_marketing_and_never_shows_the_whole_id_number(
    world: World,
) -> None:
    shown = display_phone(WHOLE_PHONE)  # 138 0013 8000
    owner = _page(world, "service", world.member)
    assert shown in owner
    assert MASKED_PHONE not in owner
    marketing = _page(world, "marketing", world.member)
    assert MASKED_PHONE in marketing
    assert shown not in marketing and "13800138000" not in marketing
    for actor in ("admin", "manager", "sales"):
        text = _page(world, actor, world.estate)
        assert shown in text, actor
        assert MASKED_ID in text, actor
        assert ID_NUMBER not in text, actor


def test_reveal_page_shows_the_id_number_to_a_manager_once_and_audits_it(world: World) -> None:
    client = Client()
    client.force_login(world.users["manager"])
    url = f"/customers/{world.estate.pk}/reveal/"
    response = client.post(url, {"fields": "id_number", "reason": "核实购房合同身份"})
    assert response.status_code == 200
    assert ID_NUMBER in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="reveal", customer_id=world.estate.pk).count() == 1
    assert ID_NUMBER not in _page(world, "manager", world.estate)


def test_list_pages_mask_like_the_api_and_never_show_the_whole_id_number(world: World) -> None:
    for actor in ("admin", "manager", "sales", "service", "marketing", "outsider"):
        client = Client()
        client.force_login(world.users[actor])
        text = client.get("/customers/").content.decode()
        assert ID_NUMBER not in text, actor
        if actor == "marketing":
            assert MASKED_PHONE in text
            assert display_phone(WHOLE_PHONE) not in text and "13800138000" not in text
