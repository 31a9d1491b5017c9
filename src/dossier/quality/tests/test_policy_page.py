"""The per-template quality policy: administrators view and change it; bad input is named."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from dossier.audit.models import AuditEvent
from dossier.core.errors import PermissionDenied, ValidationFailed
from dossier.quality.models import TemplateQualityPolicy
from dossier.quality.policies import policies
from dossier.quality.services import set_quality_policy
from dossier.templates.models import Template
from dossier.verification.selectors import required_fields

pytestmark = pytest.mark.django_db
URL = "/quality/policies/quality-member/"


def _client(user: User, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def _codes(error: ValidationFailed) -> dict[str, str]:
    return {e.field: e.code for e in error.errors}


def test_an_admin_changes_months_weights_and_verified_fields_audited(
    quality_template: Template, admin_user: User
) -> None:
    set_quality_policy(
        actor=admin_user,
        template_key="quality-member",
        freshness_months="6",
        stale_months="",
        weights={"wechat_id": "5", "member_level": ""},
        required_verified=["phone"],
    )
    kept = policies()[quality_template.pk]
    assert (kept.freshness_months, kept.stale_months) == (6, 6)
    assert kept.weights == {"wechat_id": 5}
    assert required_fields(quality_template.pk) == ["phone"]
    event = AuditEvent.objects.filter(object_type="quality_policy").latest("pk")
    assert event.changes["freshness_months"] == [12, 6]
    assert AuditEvent.objects.filter(action="verification.rule_changed").count() == 1
    # the same values again: nothing changed, nothing audited
    set_quality_policy(
        actor=admin_user,
        template_key="quality-member",
        freshness_months=6,
        weights={"wechat_id": 5},
        required_verified=["phone"],
    )
    assert AuditEvent.objects.filter(object_type="quality_policy").count() == 1
    assert AuditEvent.objects.filter(action="verification.rule_changed").count() == 1


@pytest.mark.parametrize(
    ("given", "field", "code"),
    [
        ({"freshness_months": "abc"}, "freshness_months", "invalid_integer"),
        ({"freshness_months": "0"}, "freshness_months", "too_small"),
        ({"freshness_months": 121}, "freshness_months", "too_large"),
        ({"freshness_months": True}, "freshness_months", "invalid_integer"),
        ({"stale_months": "-1"}, "stale_months", "too_small"),
        ({"stale_months": "１２"}, "stale_months", "invalid_integer"),  # full-width digits
        ({"weights": {"wechat_id": "101"}}, "weights.wechat_id", "too_large"),
        ({"weights": {"wechat_id": "2.5"}}, "weights.wechat_id", "invalid_integer"),
        ({"weights": {"<script>": "1"}}, "weights.<script>", "unknown_field"),
        ({"weights": ["phone"]}, "weights", "invalid_text"),
    ],
)
def test_bad_input_names_the_field_and_keeps_nothing(
    quality_template: Template, admin_user: User, given: dict[str, Any], field: str, code: str
) -> None:
    values: dict[str, Any] = {"freshness_months": "12", **given}
    before = TemplateQualityPolicy.objects.get(template=quality_template)
    with pytest.raises(ValidationFailed) as raised:
        set_quality_policy(actor=admin_user, template_key="quality-member", **values)
    assert _codes(raised.value)[field] == code
    after = TemplateQualityPolicy.objects.get(template=quality_template)
    assert (after.weights, after.freshness_months) == (before.weights, before.freshness_months)


def test_a_field_that_is_no_contact_cannot_be_required_verified_and_undoes_the_rest(
    quality_template: Template, admin_user: User
) -> None:
    with pytest.raises(ValidationFailed):
        set_quality_policy(
            actor=admin_user,
            template_key="quality-member",
            freshness_months="3",
            required_verified=["wechat_id"],
        )
    assert TemplateQualityPolicy.objects.get(template=quality_template).freshness_months == 12
    assert required_fields(quality_template.pk) == []


def test_lower_roles_are_refused_the_service_and_the_pages(
    quality_template: Template, manager: User, owner: User, analyst: User
) -> None:
    for user in (manager, owner, analyst):
        with pytest.raises(PermissionDenied):
            set_quality_policy(actor=user, template_key="quality-member", freshness_months=3)
        client = _client(user)
        assert client.get("/quality/policies/").status_code == 403
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"freshness_months": "3"}).status_code == 403
    assert TemplateQualityPolicy.objects.get(template=quality_template).freshness_months == 12
    assert Client().get(URL).status_code in (302, 403)


def test_the_page_shows_and_saves_the_policy_in_both_languages(
    quality_template: Template, admin_user: User
) -> None:
    client = _client(admin_user)
    listing = client.get("/quality/policies/").content.decode()
    assert "Quality member" in listing and URL in listing
    page = client.get(URL).content.decode()
    assert 'name="weight:wechat_id"' in page and "WeChat ID" in page
    assert 'name="verified" value="phone"' in page
    assert 'name="verified" value="wechat_id"' not in page  # not a contact field
    response = client.post(
        URL,
        {
            "freshness_months": "9",
            "stale_months": "10",
            "weight:wechat_id": "4",
            "verified": "phone",
        },
    )
    assert response.status_code == 302
    kept = policies()[quality_template.pk]
    assert (kept.freshness_months, kept.stale_months, kept.weights["wechat_id"]) == (9, 10, 4)
    assert required_fields(quality_template.pk) == ["phone"]
    listing = client.get("/quality/policies/").content.decode()
    assert 'Verified before active">Phone</td>' in listing  # the field by its label
    chinese = _client(admin_user, "zh-hans").get(URL).content.decode()
    assert "微信号" in chinese and 'value="9"' in chinese


def test_the_page_names_each_mistake_next_to_its_field_and_keeps_what_was_typed(
    quality_template: Template, admin_user: User
) -> None:
    client = _client(admin_user)
    response = client.post(
        URL, {"freshness_months": "zero", "weight:wechat_id": "500", "weight:member_level": "2"}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "must be a whole number" in html and "Weight of WeChat ID must be at most 100" in html
    assert 'value="zero"' in html and 'value="500"' in html and 'value="2"' in html
    chinese = _client(admin_user, "zh-hans").post(URL, {"freshness_months": "0"})
    assert chinese.status_code == 422 and "不能小于1" in chinese.content.decode()
    assert TemplateQualityPolicy.objects.get(template=quality_template).freshness_months == 12
