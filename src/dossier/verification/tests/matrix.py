"""Role-matrix rows of the verification app (collected by site/tests/test_role_matrix.py).

Calls that send or check a code are about a fresh customer like the actor's target (same
template, owner and shares), so the per-customer limit on codes sent is never reached.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from dossier.customers.models import Customer
from dossier.protection.disclosure import lookup_digest
from dossier.site.tests.matrix_fixtures import PHONE, PageCall, World
from dossier.verification.models import ContactVerification, VerificationCode
from dossier.verification.services.common import code_digest

OK, DENIED, UNSEEN = "2xx", "403", "404"
LOGIN, REDIRECT, PAGE = "login", "302", "200"
CODE = "246810"


def with_code(world: World, actor: str) -> Customer:
    """A fresh customer like the target with an open code ``CODE`` for its phone."""
    customer = world.fresh_customer(actor)
    digest = lookup_digest("phone", "+86" + PHONE)
    VerificationCode.objects.create(
        customer=customer,
        field="phone",
        value_digest=digest,
        code_digest=code_digest(CODE, digest),
        via="sms",
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    return customer


def _base(customer: Customer) -> str:
    return f"/verification/customers/{customer.pk}"


# admin, manager, sales, service, marketing, analyst, outsider
API: dict[str, tuple[str, ...]] = {
    "GET /verification/customers/{customer_id}":                 (OK, OK, OK, OK, OK, UNSEEN, UNSEEN),  # noqa: E501
    "POST /verification/customers/{customer_id}/{field}/start":   (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "POST /verification/customers/{customer_id}/{field}/confirm": (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "POST /verification/customers/{customer_id}/{field}/record":  (OK, OK, OK, OK, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    # the rule is the template's: read by all who read templates, set by those who change them
    "GET /verification/templates/{key}/required":                (OK, OK, OK, OK, OK, OK, OK),
    "PUT /verification/templates/{key}/required":                (OK, OK, DENIED, DENIED, DENIED, DENIED, DENIED),  # noqa: E501
    # the report lists customers the reader may see; analysts see none
    "GET /verification/unverified-active":                       (OK, OK, OK, OK, OK, DENIED, OK),
}  # fmt: skip

API_CALLS: dict[str, Any] = {
    "GET /verification/customers/{customer_id}": lambda w, a: (_base(w.target(a)), None),
    "POST /verification/customers/{customer_id}/{field}/start": lambda w, a: (
        f"{_base(w.fresh_customer(a))}/phone/start",
        {},
    ),
    "POST /verification/customers/{customer_id}/{field}/confirm": lambda w, a: (
        f"{_base(with_code(w, a))}/phone/confirm",
        {"code": CODE},
    ),
    "POST /verification/customers/{customer_id}/{field}/record": lambda w, a: (
        f"{_base(w.target(a))}/phone/record",
        {"note": "电话确认"},
    ),
    "GET /verification/templates/{key}/required": lambda w, a: (
        f"/verification/templates/{w.target(a).template.key}/required",
        None,
    ),
    "PUT /verification/templates/{key}/required": lambda w, a: (
        f"/verification/templates/{w.target(a).template.key}/required",
        {"fields": []},
    ),
    "GET /verification/unverified-active": lambda w, a: ("/verification/unverified-active", None),
}


def _sent(customer: Customer) -> Any:
    return lambda: VerificationCode.objects.filter(customer=customer).exists()


def _verified(customer: Customer) -> Any:
    return lambda: ContactVerification.objects.filter(customer=customer).exists()


def _start_page(world: World, actor: str) -> PageCall:
    customer = world.fresh_customer(actor)
    url = reverse("verification:start", args=[customer.pk, "phone"])
    return PageCall(url, {}, _sent(customer))


def _confirm_page(world: World, actor: str) -> PageCall:
    customer = with_code(world, actor)
    url = reverse("verification:confirm", args=[customer.pk, "phone"])
    return PageCall(url, {"code": CODE}, _verified(customer))


def _record_page(world: World, actor: str) -> PageCall:
    customer = world.fresh_customer(actor)
    url = reverse("verification:record", args=[customer.pk, "phone"])
    return PageCall(url, {"note": ""}, _verified(customer))


# anonymous, then admin, manager, sales, service, marketing, analyst, outsider
PAGES: dict[str, tuple[str, ...]] = {
    "POST verification:start":      (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "POST verification:confirm":    (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "POST verification:record":     (LOGIN, REDIRECT, REDIRECT, REDIRECT, REDIRECT, DENIED, UNSEEN, UNSEEN),  # noqa: E501
    "GET verification:unverified":  (LOGIN, PAGE, PAGE, PAGE, PAGE, PAGE, DENIED, PAGE),
}  # fmt: skip

PAGE_CALLS: dict[str, Any] = {
    "POST verification:start": _start_page,
    "POST verification:confirm": _confirm_page,
    "POST verification:record": _record_page,
    "GET verification:unverified": lambda w, a: PageCall(reverse("verification:unverified")),
}

PAGE_NAMESPACES = ("verification",)
