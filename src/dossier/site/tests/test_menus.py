"""Permissions shown before they bite: each role's menu holds only pages it may open, and
roles that may not create customers never see the way to the create form."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.core import roles
from dossier.templates.models import Template

pytestmark = pytest.mark.django_db

EVERYONE = ["/home/", "/account/tokens/", "/api/v1/docs"]
WORK = ["/customers/", "/templates/", "/tags/", "/tickets/", "/tasks/"]
MENUS = {
    roles.ADMIN: [*EVERYONE, *WORK, "/privacy/requests/", "/audit/"],
    roles.MANAGER: [*EVERYONE, *WORK, "/privacy/requests/", "/audit/"],
    roles.SALES: [*EVERYONE, *WORK],
    roles.SERVICE: [*EVERYONE, *WORK],
    roles.MARKETING: [*EVERYONE, *WORK],
    roles.ANALYST: [*EVERYONE, "/templates/"],
}
# the feedback list: for the roles that read what customers wrote
for _role in (roles.ADMIN, roles.MANAGER, roles.SALES, roles.SERVICE):
    MENUS[_role] = [*MENUS[_role], "/feedback/"]
# the pipeline: those who sell and serve; campaigns: every role (analysts see counts only)
for _role in (roles.ADMIN, roles.MANAGER, roles.SALES, roles.SERVICE):
    MENUS[_role] = [*MENUS[_role], "/pipeline/"]
for _role in roles.ROLES:
    MENUS[_role] = [*MENUS[_role], "/campaigns/"]
# duplicates are reviewed (and merged) by who may change customers
for _role in (roles.ADMIN, roles.MANAGER, roles.SALES, roles.SERVICE):
    MENUS[_role] = [*MENUS[_role], "/duplicates/"]
# segments: every role (analysts count over everyone, see no customer)
for _role in roles.ROLES:
    MENUS[_role] = [*MENUS[_role], "/insights/segments/"]
# the reports: administrators, managers and analysts
for _role in (roles.ADMIN, roles.MANAGER, roles.ANALYST):
    MENUS[_role] = [*MENUS[_role], "/insights/reports/"]
# the loyalty programme's page: every role sees the programme (analysts: no customer on it)
for _role in roles.ROLES:
    MENUS[_role] = [*MENUS[_role], "/loyalty/"]
# data quality (and from it cleaning, verification, update campaigns, capture forms): those
# who see customers
for _role in (roles.ADMIN, roles.MANAGER, roles.SALES, roles.SERVICE, roles.MARKETING):
    MENUS[_role] = [*MENUS[_role], "/quality/"]
# webhooks are kept by admins and managers
for _role in (roles.ADMIN, roles.MANAGER):
    MENUS[_role] = [*MENUS[_role], "/webhooks/"]


def menu_links(html: str) -> list[str]:
    header = html.split("<main", 1)[0]
    brand = re.findall(r'class="brand" href="([^"]+)"', header)
    nav = header.split('<nav class="nav">', 1)[1].split("</nav>", 1)[0]
    return brand + re.findall(r'<a href="([^"]+)"', nav)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("role", roles.ROLES)
def test_the_menu_shows_what_the_role_may_open_and_each_link_opens(
    role: str, make_user: Callable[..., User], member_template: Template
) -> None:
    client = client_for(make_user(f"menu-{role}", role))
    page = client.get("/account/tokens/")  # a page every role may open
    assert page.status_code == 200
    links = menu_links(page.content.decode())
    assert sorted(links) == sorted(MENUS[role])
    for link in links:
        response = client.get(link, follow=True)
        assert response.status_code == 200, (role, link)


@pytest.mark.parametrize("role", [roles.MARKETING, roles.ANALYST])
def test_roles_that_may_not_create_customers_never_see_the_create_form(
    role: str, make_user: Callable[..., User], member_template: Template
) -> None:
    client = client_for(make_user(f"nocreate-{role}", role))
    listing = client.get("/customers/", follow=True).content.decode()
    assert "/customers/new/" not in listing
    assert client.get("/customers/new/").status_code == 403
    form = client.get(f"/customers/new/{member_template.key}/")
    assert form.status_code == 403
    assert 'name="phone"' not in form.content.decode()


def test_roles_that_may_create_see_the_button_and_the_form(
    make_user: Callable[..., User], member_template: Template
) -> None:
    client = client_for(make_user("creator", roles.SALES))
    assert "/customers/new/" in client.get("/customers/").content.decode()
    assert member_template.key in client.get("/customers/new/").content.decode()
    assert client.get(f"/customers/new/{member_template.key}/").status_code == 200
    assert client.get("/customers/new/no-such-template/").status_code == 404
