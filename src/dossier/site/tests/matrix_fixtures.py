"""One world for the role matrix: two teams, every role, customers of several scenarios.

Team "east": a manager, a sales, a service and a marketing user. Team "west": a sales user
(the "outsider": a sales user whose scope holds none of east's customers). An admin and an
analyst. Customers (created through the services, as the application does):

* ``estate`` – real_estate_buyer, owned by east sales; phone and a sensitive 身份证 number.
* ``member`` – retail_member, owned by east service, shared with east marketing.
* ``repair`` – after_sales_service, owned by east service.
* ``account`` – b2b_account, owned by west sales, shared with east sales.
* ``contract`` – on a custom template (scenario "other") owned by west sales, whose profile
  migration to version 2 failed: the migration report names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count
from typing import Any

from django.contrib.auth.models import User
from django.urls import reverse

from dossier.accounts.models import ApiToken
from dossier.accounts.services import create_token, create_user, ensure_roles
from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.customers.models import Customer, Tag
from dossier.customers.services import (
    create_customer,
    create_tag,
    delete_customer,
    migrate_customers,
    share_customer,
    start_migration,
)
from dossier.privacy.models import SubjectRequest
from dossier.privacy.requests import open_request, restrict_processing
from dossier.privacy.selfservice import issue_self_service_link
from dossier.templates.models import ProfileMigration, Template
from dossier.templates.selectors import get_template
from dossier.templates.services import create_template, update_template

PASSWORD = "correct-horse-42"
#: the columns of every expectation table, in this order
ACTORS = ("admin", "manager", "sales", "service", "marketing", "analyst", "outsider")
ROLE_OF = {
    "admin": roles.ADMIN,
    "manager": roles.MANAGER,
    "sales": roles.SALES,
    "service": roles.SERVICE,
    "marketing": roles.MARKETING,
    "analyst": roles.ANALYST,
    "outsider": roles.SALES,
}
TEAM_OF = {
    "manager": "east",
    "sales": "east",
    "service": "east",
    "marketing": "east",
    "outsider": "west",
}

PHONE = "13800138000"
WHOLE_PHONE = "+8613800138000"
MASKED_PHONE = "138****8000"
ID_NUMBER = "11010519491231002X"
MASKED_ID = "110105********002X"
CUSTOM_TEMPLATE = "matrix_custom"
CONTRACT_NAME = "赵六合同客户"

_serial = count(1)


@dataclass
class World:
    users: dict[str, User]
    estate: Customer
    member: Customer
    repair: Customer
    account: Customer
    contract: Customer
    tag: Tag
    migration: ProfileMigration
    self_service_token: str
    made: dict[str, Any] = field(default_factory=dict)

    def target(self, actor: str) -> Customer:
        """The customer an actor's representative call is about (in its scope if it has one)."""
        return self.member if actor in ("service", "marketing") else self.estate

    def fresh_customer(self, actor: str) -> Customer:
        """A throwaway customer with the same template, owner and shares as ``target``."""
        like = self.target(actor)
        customer = create_customer(
            actor=self.users["admin"],
            template=like.template,
            values={"display_name": f"临时客户{next(_serial)}", "phone": PHONE},
            owner=like.owner,
        )
        for share in like.shares.all():
            share_customer(actor=self.users["admin"], customer_id=customer.pk, user=share.user)
        return customer

    def fresh_deleted_customer(self, actor: str) -> Customer:
        """A throwaway customer like ``target``, already in the trash."""
        customer = self.fresh_customer(actor)
        delete_customer(actor=self.users["admin"], customer_id=customer.pk)
        return customer

    def fresh_tag(self) -> Tag:
        return create_tag(actor=self.users["admin"], name=f"临时标签{next(_serial)}")

    def fresh_template(self) -> Template:
        return create_template(
            actor=system_actor("tests"),
            key=f"throwaway-{next(_serial)}",
            name_zh="临时模板",
            scenario="other",
        )

    def fresh_request(self, actor: str) -> SubjectRequest:
        return open_request(
            actor=self.users["admin"],
            customer_id=self.target(actor).pk,
            kind="access",
            received_via="email",
        )

    def fresh_restricted_customer(self, actor: str) -> Customer:
        customer = self.fresh_customer(actor)
        restrict_processing(actor=self.users["admin"], customer_id=customer.pk, reason="保全")
        return customer

    def fresh_token(self, actor: str) -> ApiToken:
        token, _secret = create_token(user=self.users[actor], name="throwaway", scope="read")
        return token


def _user(actor: str) -> User:
    return create_user(
        username=f"matrix-{actor}",
        password=PASSWORD,
        role=ROLE_OF[actor],
        team=TEAM_OF.get(actor),
    )


def _failed_migration(admin: User, owner: User) -> tuple[Customer, ProfileMigration]:
    """A custom template whose version 2 requires a field its one customer lacks."""
    template = create_template(
        actor=system_actor("tests"),
        key=CUSTOM_TEMPLATE,
        name_zh="矩阵模板",
        name_en="Matrix",
        scenario="other",
        fields=[{"key": "note", "type": "text", "label_en": "Note"}],
    )
    customer = create_customer(
        actor=admin, template=template, values={"display_name": CONTRACT_NAME}, owner=owner
    )
    required = {"key": "contract_no", "type": "text", "label_en": "Contract", "required": True}
    update_template(
        actor=system_actor("tests"),
        template=template,
        fields=[{"key": "note", "type": "text", "label_en": "Note"}, required],
    )
    migration = start_migration(actor=admin, template=get_template(key=CUSTOM_TEMPLATE))
    migration = migrate_customers(migration=migration)
    assert migration.failed == 1, migration.failures
    return customer, migration


def build_world() -> World:
    """Users in every role, customers in and out of their scopes, a tag, a failed migration."""
    ensure_roles()
    users = {actor: _user(actor) for actor in ACTORS}
    admin = users["admin"]

    def customer(template: str, owner: str, **values: Any) -> Customer:
        return create_customer(
            actor=admin, template=get_template(key=template), values=values, owner=users[owner]
        )

    estate = customer(
        "real_estate_buyer",
        "sales",
        display_name="王建国",
        phone=PHONE,
        id_number=ID_NUMBER,
        annual_income="880000",
    )
    member = customer("retail_member", "service", display_name="李小龙", phone=PHONE)
    share_customer(actor=admin, customer_id=member.pk, user=users["marketing"])
    repair = customer(
        "after_sales_service", "service", display_name="张维修", phone=PHONE, product_model="X1"
    )
    account = customer(
        "b2b_account",
        "outsider",
        kind="company",
        display_name="西部贸易有限公司",
        company="西部贸易有限公司",
        phone=PHONE,
    )
    share_customer(actor=admin, customer_id=account.pk, user=users["sales"])
    contract, migration = _failed_migration(admin, users["outsider"])
    link = issue_self_service_link(actor=admin, customer_id=member.pk)
    return World(
        users=users,
        estate=estate,
        member=member,
        repair=repair,
        account=account,
        contract=contract,
        tag=create_tag(actor=admin, name="VIP", group="矩阵"),
        migration=migration,
        self_service_token=link.token,
    )


# ---- the representative call of every API operation, per actor -------------------------------
#
# Each returns (path below /api/v1, JSON body or None). Destructive calls act on throwaway
# objects made for the call, so the world stays the same for the next actor.

ApiCall = Callable[[World, str], tuple[str, Any]]


def _customer(world: World, actor: str) -> str:
    return f"/customers/{world.target(actor).pk}"


def _consent(world: World, actor: str) -> str:
    return f"/consent/customers/{world.target(actor).pk}"


def _privacy(world: World, actor: str, customer: Customer | None = None) -> str:
    return f"/privacy/customers/{(customer or world.target(actor)).pk}"


def _version(world: World, actor: str) -> int:
    return Customer.objects.get(pk=world.target(actor).pk).version


_T = f"/templates/{CUSTOM_TEMPLATE}"
NOTICE = "2024-01"

API_CALLS: dict[str, ApiCall] = {
    "GET /customers": lambda w, a: ("/customers", None),
    "POST /customers": lambda w, a: (
        "/customers",
        {"template": "retail_member", "values": {"display_name": f"新客户{a}", "phone": PHONE}},
    ),
    "GET /customers/{customer_id}": lambda w, a: (_customer(w, a), None),
    "PATCH /customers/{customer_id}": lambda w, a: (
        _customer(w, a),
        {"version": _version(w, a), "values": {"city": "北京"}},
    ),
    "DELETE /customers/{customer_id}": lambda w, a: (f"/customers/{w.fresh_customer(a).pk}", None),
    "GET /customers/trash": lambda w, a: ("/customers/trash", None),
    "POST /customers/{customer_id}/restore": lambda w, a: (
        f"/customers/{w.fresh_deleted_customer(a).pk}/restore",
        None,
    ),
    "POST /customers/{customer_id}/reveal": lambda w, a: (
        f"{_customer(w, a)}/reveal",
        {"fields": ["phone"], "reason": "核实客户身份"},
    ),
    "PUT /customers/{customer_id}/tags": lambda w, a: (
        f"{_customer(w, a)}/tags",
        {"tag_ids": [w.tag.pk]},
    ),
    "GET /tags": lambda w, a: ("/tags", None),
    "POST /tags": lambda w, a: ("/tags", {"name": f"矩阵-{a}"}),
    "PATCH /tags/{tag_id}": lambda w, a: (f"/tags/{w.tag.pk}", {"colour": "#123456"}),
    "DELETE /tags/{tag_id}": lambda w, a: (f"/tags/{w.fresh_tag().pk}", None),
    "GET /templates": lambda w, a: ("/templates", None),
    "POST /templates": lambda w, a: (
        "/templates",
        {"key": f"made-by-{a}", "name_zh": "矩阵新模板", "scenario": "other"},
    ),
    "GET /templates/field-types": lambda w, a: ("/templates/field-types", None),
    "GET /templates/{key}": lambda w, a: (_T, None),
    "PUT /templates/{key}": lambda w, a: (_T, {"name_en": f"Renamed by {a}"}),
    "DELETE /templates/{key}": lambda w, a: (f"/templates/{w.fresh_template().key}", None),
    "POST /templates/{key}/clone": lambda w, a: (
        f"{_T}/clone",
        {"key": f"cloned-by-{a}", "name_zh": "副本"},
    ),
    "GET /templates/{key}/versions": lambda w, a: (f"{_T}/versions", None),
    "GET /templates/{key}/versions/{number}": lambda w, a: (f"{_T}/versions/1", None),
    "POST /templates/{key}/migrations": lambda w, a: (f"{_T}/migrations", None),
    "GET /templates/{key}/migrations/{migration_id}": lambda w, a: (
        f"{_T}/migrations/{w.migration.pk}",
        None,
    ),
    "GET /consent/purposes": lambda w, a: ("/consent/purposes", None),
    "GET /consent/customers/{customer_id}": lambda w, a: (_consent(w, a), None),
    "POST /consent/customers/{customer_id}/grant": lambda w, a: (
        f"{_consent(w, a)}/grant",
        {
            "purpose": "service_notices",
            "channel": "sms",
            "source": "staff",
            "notice_version": NOTICE,
        },
    ),
    "POST /consent/customers/{customer_id}/withdraw": lambda w, a: (
        f"{_consent(w, a)}/withdraw",
        {"purpose": "service_notices", "channel": "sms", "source": "staff"},
    ),
    "POST /consent/customers/{customer_id}/double-opt-in": lambda w, a: (
        f"{_consent(w, a)}/double-opt-in",
        {"purpose": "marketing", "channel": "sms", "notice_version": NOTICE},
    ),
    # a wrong code: the call is let through to the check of the code itself
    "POST /consent/confirm": lambda w, a: ("/consent/confirm", {"code": "12345678"}),
    "GET /consent/marketing-export": lambda w, a: ("/consent/marketing-export?channel=sms", None),
    "GET /privacy/requests": lambda w, a: ("/privacy/requests", None),
    "POST /privacy/requests": lambda w, a: (
        "/privacy/requests",
        {"customer_id": str(w.target(a).pk), "kind": "access", "received_via": "email"},
    ),
    "POST /privacy/requests/{request_id}/complete": lambda w, a: (
        f"/privacy/requests/{w.fresh_request(a).pk}/complete",
        {},
    ),
    "POST /privacy/requests/{request_id}/refuse": lambda w, a: (
        f"/privacy/requests/{w.fresh_request(a).pk}/refuse",
        {"reason": "无法核实身份"},
    ),
    "GET /privacy/customers/{customer_id}/export": lambda w, a: (f"{_privacy(w, a)}/export", None),
    "POST /privacy/customers/{customer_id}/erase": lambda w, a: (
        f"{_privacy(w, a, w.fresh_customer(a))}/erase",
        {},
    ),
    "POST /privacy/customers/{customer_id}/restrict": lambda w, a: (
        f"{_privacy(w, a, w.fresh_customer(a))}/restrict",
        {"reason": "诉讼保全"},
    ),
    "POST /privacy/customers/{customer_id}/lift-restriction": lambda w, a: (
        f"{_privacy(w, a, w.fresh_restricted_customer(a))}/lift-restriction",
        {"scope": "all"},
    ),
    "POST /privacy/customers/{customer_id}/object": lambda w, a: (
        f"{_privacy(w, a, w.fresh_customer(a))}/object",
        {"reason": "不再接受营销"},
    ),
    "POST /privacy/customers/{customer_id}/self-service-link": lambda w, a: (
        f"{_privacy(w, a)}/self-service-link",
        {"days": 7},
    ),
    "GET /privacy/retention/policies": lambda w, a: ("/privacy/retention/policies", None),
    "POST /privacy/retention/policies": lambda w, a: (
        "/privacy/retention/policies",
        {"category": "audit_log", "months": 36, "action": "keep"},
    ),
    "POST /privacy/retention/run": lambda w, a: ("/privacy/retention/run?dry_run=true", None),
    "GET /audit": lambda w, a: ("/audit", None),
    "GET /me": lambda w, a: ("/me", None),
    "GET /tokens": lambda w, a: ("/tokens", None),
    "POST /tokens": lambda w, a: ("/tokens", {"name": "矩阵令牌", "scope": "read"}),
    "DELETE /tokens/{token_id}": lambda w, a: (f"/tokens/{w.fresh_token(a).pk}", None),
}


# ---- the representative request of every page, per actor ------------------------------------


@dataclass
class PageCall:
    """A page request: a GET, or a POST of ``data``; ``done`` tells whether its write happened."""

    url: str
    data: dict[str, Any] | None = None
    done: Callable[[], bool] | None = None


PageBuilder = Callable[[World, str], PageCall]


def _deleted(customer: Customer) -> Callable[[], bool]:
    return lambda: Customer.objects.get(pk=customer.pk).deleted_at is not None


def _delete_page(world: World, actor: str) -> PageCall:
    customer = world.fresh_customer(actor)
    url = reverse("customers:delete", args=[customer.pk])
    return PageCall(url, {"version": customer.version}, _deleted(customer))


def _restore_page(world: World, actor: str) -> PageCall:
    customer = world.fresh_deleted_customer(actor)
    url = reverse("customers:restore", args=[customer.pk])
    return PageCall(url, {}, lambda: Customer.objects.get(pk=customer.pk).deleted_at is None)


def _on_target(name: str, data: dict[str, Any] | None = None) -> PageBuilder:
    return lambda w, a: PageCall(reverse(name, args=[w.target(a).pk]), data)


def _on_template(name: str, *more: Any, data: dict[str, Any] | None = None) -> PageBuilder:
    return lambda w, a: PageCall(reverse(name, args=[CUSTOM_TEMPLATE, *more]), data)


PAGE_CALLS: dict[str, PageBuilder] = {
    "GET login": lambda w, a: PageCall(reverse("login")),
    "POST logout": lambda w, a: PageCall(reverse("logout"), {}),
    "POST set_language": lambda w, a: PageCall(
        reverse("set_language"), {"language": "en", "next": "/"}
    ),
    "GET home": lambda w, a: PageCall(reverse("home")),
    "GET tokens": lambda w, a: PageCall(reverse("tokens")),
    "POST revoke_token": lambda w, a: PageCall(
        reverse("revoke_token", args=[w.fresh_token(a).pk]), {}
    ),
    "GET audit": lambda w, a: PageCall(reverse("audit")),
    "GET customers:list": lambda w, a: PageCall(reverse("customers:list")),
    "GET customers:new": lambda w, a: PageCall(reverse("customers:new")),
    "GET customers:pick": lambda w, a: PageCall(
        f"{reverse('customers:pick')}?name=customer_id&customer_q={PHONE}"
    ),
    "GET customers:create": lambda w, a: PageCall(
        reverse("customers:create", args=["retail_member"])
    ),
    "POST customers:create": lambda w, a: PageCall(
        reverse("customers:create", args=["retail_member"]),
        {"kind": "person", "display_name": f"页面客户{a}", "phone": PHONE},
    ),
    "GET customers:detail": _on_target("customers:detail"),
    "POST customers:reveal": _on_target(
        "customers:reveal", {"fields": "phone", "reason": "核实客户身份"}
    ),
    "GET customers:edit": _on_target("customers:edit"),
    "POST customers:delete": _delete_page,
    "GET customers:trash": lambda w, a: PageCall(reverse("customers:trash")),
    "POST customers:restore": _restore_page,
    "GET customers:tags": lambda w, a: PageCall(reverse("customers:tags")),
    "POST customers:tag_update": lambda w, a: PageCall(
        reverse("customers:tag_update", args=[w.tag.pk]),
        {"name": "VIP", "group": "矩阵", "colour": "#112233"},
    ),
    "POST customers:tag_delete": lambda w, a: PageCall(
        reverse("customers:tag_delete", args=[w.fresh_tag().pk]), {}
    ),
    "GET templates:list": lambda w, a: PageCall(reverse("templates:list")),
    "GET templates:detail": _on_template("templates:detail"),
    "GET templates:edit": _on_template("templates:edit"),
    "GET templates:clone": _on_template("templates:clone"),
    "POST templates:archive": lambda w, a: PageCall(
        reverse("templates:archive", args=[w.fresh_template().key]), {}
    ),
    "POST customers:template_migrate": _on_template("customers:template_migrate", data={}),
    "GET templates:version": _on_template("templates:version", 1),
    "GET customers:template_migration": lambda w, a: PageCall(
        reverse("customers:template_migration", args=[CUSTOM_TEMPLATE, w.migration.pk])
    ),
    "GET consent:customer": _on_target("consent:customer"),
    "GET consent:confirm": lambda w, a: PageCall(reverse("consent:confirm")),
    "GET privacy:requests": lambda w, a: PageCall(reverse("privacy:requests")),
    "POST privacy:request_close": lambda w, a: PageCall(
        reverse("privacy:request_close", args=[w.fresh_request(a).pk, "complete"]), {}
    ),
    "GET privacy:customer": _on_target("privacy:customer"),
    "POST privacy:export": _on_target("privacy:export", {}),
    "POST privacy:link": _on_target("privacy:link", {"days": "7"}),
    "POST privacy:action": lambda w, a: PageCall(
        reverse("privacy:action", args=[w.fresh_customer(a).pk, "restrict"]), {"reason": "保全"}
    ),
    "GET privacy:self_service": lambda w, a: PageCall(
        reverse("privacy:self_service", args=[w.self_service_token])
    ),
}
