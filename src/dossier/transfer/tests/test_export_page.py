"""The customer list offers the download of what it shows, to those who may export."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dossier.core import roles

pytestmark = pytest.mark.django_db


def test_the_list_page_offers_the_download_with_its_filters_to_those_who_may_export(
    make_user: Any, make_customer: Any
) -> None:
    manager = make_user("exporting-manager", roles.MANAGER, team="east")
    make_customer(manager)
    client = Client()
    client.force_login(manager)
    page = client.get("/customers/?q=%E5%AE%A2%E6%88%B7").content.decode()
    assert "/transfer/export/customers/?q=%E5%AE%A2%E6%88%B7&amp;format=csv" in page
    sales = make_user("not-exporting", roles.SALES, team="east")
    make_customer(sales)
    client.force_login(sales)
    assert "/transfer/export/customers/" not in client.get("/customers/").content.decode()
