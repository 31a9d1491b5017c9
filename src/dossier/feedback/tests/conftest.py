"""Fixtures of the feedback tests: an owner in team east, their customer, other roles, a survey."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.core import roles
from dossier.customers.services import share_customer
from dossier.feedback.models import Survey
from dossier.feedback.services import create_survey

QUESTIONS = [
    {"key": "satisfaction", "type": "csat", "text_zh": "您对本次服务满意吗？", "required": True},
    {
        "key": "recommend",
        "type": "nps",
        "text_zh": "您会向朋友推荐我们吗？",
        "text_en": "Recommend?",
    },
    {
        "key": "channel",
        "type": "choice",
        "text_zh": "您从哪里了解到我们？",
        "choices": [
            {"value": "friend", "label_zh": "朋友介绍", "label_en": "A friend"},
            "wechat",
            {"value": "store", "label_zh": "门店"},
        ],
    },
    {"key": "comment", "type": "text", "text_zh": "还有什么建议？", "text_en": "Anything else?"},
]


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("li.na", roles.SALES, team="east")


@pytest.fixture
def customer(owner: User, make_customer: Callable[..., Any]) -> Any:
    return make_customer(owner, display_name="王小明")


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("zhou.min", roles.MANAGER, team="east")


@pytest.fixture
def stranger(make_user: Callable[..., User]) -> User:
    """A sales user of another team: the customer is out of their sight."""
    return make_user("zhao.lei", roles.SALES, team="west")


@pytest.fixture
def marketer(make_user: Callable[..., User], customer: Any, admin_user: User) -> User:
    """Marketing, with the customer shared: sees the customer, may not change it."""
    user = make_user("mei.ling", roles.MARKETING, team="east")
    share_customer(actor=admin_user, customer_id=customer.pk, user=user)
    return user


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user("shu.ju", roles.ANALYST)


@pytest.fixture
def survey(manager: User) -> Survey:
    return create_survey(actor=manager, title="售后回访满意度", questions=QUESTIONS)
