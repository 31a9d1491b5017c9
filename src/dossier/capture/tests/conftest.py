"""Capture test fixtures: an east team with its manager and owner, a form, a code outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from dossier.capture.models import CaptureForm
from dossier.capture.services import create_form
from dossier.consent.senders import ConsentMessage, MemorySender
from dossier.core import roles
from dossier.templates.models import Template

NOTICE = "2026-03"


@pytest.fixture(autouse=True)
def outbox(settings: Any) -> Iterator[list[ConsentMessage]]:
    """Codes go to a list; the rate counters start empty."""
    settings.DOSSIER_CONSENT_SENDER = "dossier.consent.senders.MemorySender"
    MemorySender.outbox.clear()
    cache.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


@pytest.fixture
def manager(make_user: Callable[..., User]) -> User:
    return make_user("east.manager", roles.MANAGER, team="east")


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    return make_user("east.sales", roles.SALES, team="east")


@pytest.fixture
def west_manager(make_user: Callable[..., User]) -> User:
    return make_user("west.manager", roles.MANAGER, team="west")


@pytest.fixture
def make_form(manager: User, owner: User, member_template: Template) -> Callable[..., CaptureForm]:
    def make(slug: str = "spring-fair", **values: Any) -> CaptureForm:
        settings = {
            "slug": slug,
            "title_zh": "春季展会登记",
            "title_en": "Spring fair sign-up",
            "fields": ["display_name", "phone", "email"],
            "consents": ["marketing"],
            "consent_channel": "sms",
            "notice_version": NOTICE,
            "source": "event",
            "lifecycle": "lead",
            **values,
        }
        return create_form(actor=manager, template=member_template, owner=owner, values=settings)

    return make


@pytest.fixture
def form(make_form: Callable[..., CaptureForm]) -> CaptureForm:
    return make_form()
