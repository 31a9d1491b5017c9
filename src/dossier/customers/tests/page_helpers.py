"""Helpers of the customer page tests: a logged-in client, a quick customer, reading the HTML."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from dossier.customers.models import Customer
from dossier.customers.services import create_customer
from dossier.templates.models import Template

VALID_ID = "11010519491231002X"


VALID_PHONE = "13800138000"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def add_customer(user: User, template: Template, **values: Any) -> Customer:
    return create_customer(
        actor=user,
        template=template,
        values={"display_name": "张三", "phone": VALID_PHONE, **values},
    )


def text_of(response: Any) -> str:
    return response.content.decode()


def field_block(html: str, key: str) -> str:
    """The markup of the form field (div.field) that holds the input ``id_<key>``."""
    for block in html.split('<div class="field')[1:]:
        if f'id="id_{key}"' in block:
            return block
    raise AssertionError(f"no field {key} on the page")
