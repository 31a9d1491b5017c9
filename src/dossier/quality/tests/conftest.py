"""Fixtures of the quality tests: a small template, east's users and one of west's."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.core.actors import system_actor
from dossier.customers.services import create_customer
from dossier.quality.models import TemplateQualityPolicy
from dossier.templates.core_fields import CORE_KEYS
from dossier.templates.models import Template
from dossier.templates.services import create_template

#: only these count: name (required, 3), phone (required, 3), WeChat (personal, 1), level (1)
COUNTED = {"display_name", "phone"}


@pytest.fixture
def quality_template(db: Any) -> Template:
    template = create_template(
        actor=system_actor("tests"),
        key="quality-member",
        name_zh="质量会员",
        name_en="Quality member",
        scenario="retail_member",
        fields=[
            {"key": "phone", "type": "phone", "required": True},
            {
                "key": "wechat_id",
                "type": "text",
                "label_zh": "微信号",
                "label_en": "WeChat ID",
                "classification": "personal",
            },
            {
                "key": "member_level",
                "type": "choice",
                "label_zh": "会员等级",
                "label_en": "Member level",
                "rules": {
                    "choices": [
                        {"value": "normal", "label_zh": "普通", "label_en": "Normal"},
                        {"value": "gold", "label_zh": "金卡", "label_en": "Gold"},
                    ]
                },
            },
        ],
    )
    TemplateQualityPolicy.objects.create(
        template=template,
        weights={key: 0 for key in CORE_KEYS - COUNTED},
        freshness_months=12,
        stale_months=12,
    )
    return template


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("li.owner", roles.SALES, team="east")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("zhou.manager", roles.MANAGER, team="east")


@pytest.fixture
def outsider(make_user: Callable[..., User]) -> User:
    """A manager of another team: sees none of east's customers."""
    return make_user("wang.west", roles.MANAGER, team="west")


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("an.analyst", roles.ANALYST)


_serial = iter(range(1000, 10_000_000))


@pytest.fixture
def make_member(quality_template: Template, admin_user: User) -> Callable[..., Any]:
    def make(owner: User, **values: Any) -> Any:
        values.setdefault("display_name", f"质量客户{next(_serial)}")
        values.setdefault("phone", f"1390000{next(_serial) % 10000:04d}")
        return create_customer(
            actor=admin_user, template=quality_template, values=values, owner=owner
        )

    return make
