"""One source of truth for consent: the ledger. Templates show it, never store it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.consent.services import grant_consent
from dossier.customers.services import create_customer
from dossier.privacy import selfservice
from dossier.templates.selectors import get_template

BUILTIN = Path(__file__).resolve().parents[2] / "templates" / "builtin"
CONSENT_WORDS = ("同意", "授权", "consent", "agreed", "opt_in", "opt-in", "subscribed")


@pytest.fixture
def member(admin: User) -> Any:
    return create_customer(
        actor=admin,
        template=get_template(key="retail_member"),
        values={"display_name": "张三", "phone": "13800138000"},
    )


def _grant(admin: User, member: Any) -> None:
    grant_consent(
        actor=admin,
        customer_id=member.pk,
        purpose="marketing",
        channel="sms",
        source="staff",
        notice_version="2024-05",
    )


def test_no_builtin_template_stores_consent_to_marketing() -> None:
    files = sorted(BUILTIN.glob("*.json"))
    assert len(files) >= 7
    for path in files:
        for field in json.loads(path.read_text(encoding="utf-8"))["fields"]:
            said = " ".join(str(field.get(k, "")) for k in ("key", "label_zh", "label_en"))
            assert not any(word in said.lower() for word in CONSENT_WORDS), (path.name, said)


def test_customer_page_shows_the_ledgers_status(admin: User, member: Any) -> None:
    client = Client(headers={"accept-language": "zh-hans"})
    client.force_login(admin)
    before = client.get(f"/customers/{member.pk}/").content.decode()
    assert "同意接收营销信息" not in before
    row = before.split('data-consent="marketing:sms"', 1)[1].split("</li>", 1)[0]
    assert "未同意" in row
    _grant(admin, member)
    after = client.get(f"/customers/{member.pk}/").content.decode()
    row = after.split('data-consent="marketing:sms"', 1)[1].split("</li>", 1)[0]
    assert "已同意" in row


def test_self_service_page_shows_consent_once_from_the_ledger(admin: User, member: Any) -> None:
    _grant(admin, member)
    link = selfservice.issue_self_service_link(actor=admin, customer_id=member.pk)
    html = Client().get(f"/privacy/self-service/{link.token}/").content.decode()
    assert "Agreed to marketing" not in html
    assert "Your consents" in html and "given" in html
