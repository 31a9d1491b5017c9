"""Grant, withdraw and double opt-in: state, evidence, rules, access and the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.utils import timezone

from dossier.audit.models import AuditEvent
from dossier.consent import selectors, services
from dossier.consent.models import ConsentConfirmation, ConsentEvent, Purpose
from dossier.consent.senders import ConsentMessage
from dossier.core import roles
from dossier.core.errors import NotFound, PermissionDenied, ValidationFailed
from dossier.customers.models import Customer

pytestmark = pytest.mark.django_db


def state(actor: User, customer: Customer, purpose: str, channel: str) -> selectors.ConsentState:
    states = selectors.consent_status(actor=actor, customer_id=customer.pk)
    return next(s for s in states if s.purpose == purpose and s.channel == channel)


def errors_of(caught: pytest.ExceptionInfo[Any]) -> set[tuple[str, str]]:
    return {(e.field, e.code) for e in caught.value.errors}


def grant(actor: User, customer: Customer, **kwargs: Any) -> ConsentEvent:
    args = {
        "purpose": "marketing",
        "channel": "sms",
        "source": "staff",
        "notice_version": "2024-05",
        **kwargs,
    }
    return services.grant_consent(actor=actor, customer_id=customer.pk, **args)


def withdraw(actor: User, customer: Customer, **kwargs: Any) -> ConsentEvent:
    args = {"purpose": "marketing", "channel": "sms", "source": "staff", **kwargs}
    return services.withdraw_consent(actor=actor, customer_id=customer.pk, **args)


# ---- grant and withdraw --------------------------------------------------------------------------


def test_nothing_recorded_reads_as_none(admin: User, add_customer: Callable[..., Customer]) -> None:
    customer = add_customer()
    states = selectors.consent_status(actor=admin, customer_id=customer.pk)
    assert len(states) == 5 + 5 + 1 + 1  # two purposes per channel, two channel-independent
    assert {s.status for s in states} == {"none"}


def test_grant_then_withdraw_leaves_the_consent_withdrawn(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()
    grant(admin, customer, evidence={"ip": "203.0.113.9", "user_agent": "UA", "x": "dropped"})
    assert state(admin, customer, "marketing", "sms").status == "granted"
    withdraw(admin, customer)

    now = state(admin, customer, "marketing", "sms")
    assert now.status == "withdrawn" and now.source == "staff"
    assert state(admin, customer, "marketing", "email").status == "none"
    events = list(ConsentEvent.objects.filter(customer=customer).order_by("id"))
    assert [e.action for e in events] == ["granted", "withdrawn"]
    assert events[0].evidence == {
        "ip": "203.0.113.9",
        "user_agent": "UA",
        "staff": "consent-admin",
    }
    assert events[0].notice_version == "2024-05" and events[0].actor == admin
    audits = AuditEvent.objects.filter(object_type="consent", customer_id=customer.pk)
    assert [(a.action, a.changes["action"]) for a in audits.order_by("id")] == [
        ("update", "granted"),
        ("update", "withdrawn"),
    ]
    assert audits.order_by("id")[0].ip == "203.0.113.9"


def test_grant_again_after_withdrawal_grants(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()
    grant(admin, customer)
    withdraw(admin, customer)
    grant(admin, customer, notice_version="2024-06")
    now = state(admin, customer, "marketing", "sms")
    assert now.status == "granted" and now.notice_version == "2024-06"


def test_grant_needs_a_notice_version_withdrawal_does_not(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()
    with pytest.raises(ValidationFailed) as caught:
        grant(admin, customer, notice_version="  ")
    assert errors_of(caught) == {("notice_version", "required")}
    assert "Notice version is required." in caught.value.details("en")[0]["message"]
    assert not ConsentEvent.objects.exists()
    assert withdraw(admin, customer).notice_version == ""


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"purpose": "newsletter"}, ("purpose", "invalid_choice")),
        ({"channel": "fax"}, ("channel", "invalid_choice")),
        ({"channel": "any"}, ("channel", "channel_required")),
        ({"channel": ""}, ("channel", "channel_required")),
        ({"purpose": "sensitive_data_processing"}, ("channel", "channel_not_applicable")),
        ({"source": "rumour"}, ("source", "invalid_choice")),
        ({"source": "double_opt_in"}, ("source", "source_reserved")),
        ({"notice_version": "v" * 51}, ("notice_version", "too_long")),
        ({"evidence": {"ip": "not-an-ip"}}, ("evidence.ip", "pattern")),
    ],
)
def test_invalid_grants_name_the_field_and_store_nothing(
    admin: User,
    add_customer: Callable[..., Customer],
    kwargs: dict[str, Any],
    error: tuple[str, str],
) -> None:
    customer = add_customer()
    with pytest.raises(ValidationFailed) as caught:
        grant(admin, customer, **kwargs)
    assert errors_of(caught) == {error}
    assert all(d["message"] for d in caught.value.details("zh-hans"))
    assert not ConsentEvent.objects.exists()
    assert not AuditEvent.objects.filter(object_type="consent").exists()


def test_channel_messages_read_well_in_both_languages(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        grant(admin, add_customer(), channel="any")
    assert caught.value.details("en")[0]["message"].startswith("Marketing is recorded per channel")
    assert caught.value.details("zh-hans")[0]["message"].startswith("“营销推广”按渠道记录")


def test_sensitive_data_consent_is_separate_from_marketing(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()
    grant(admin, customer, purpose="sensitive_data_processing", channel="")
    assert state(admin, customer, "sensitive_data_processing", "any").status == "granted"
    assert {
        s.status
        for s in selectors.consent_status(actor=admin, customer_id=customer.pk)
        if s.purpose == "marketing"
    } == {"none"}

    grant(admin, customer)
    withdraw(admin, customer, purpose="sensitive_data_processing", channel="any")
    assert state(admin, customer, "sensitive_data_processing", "any").status == "withdrawn"
    assert state(admin, customer, "marketing", "sms").status == "granted"


def test_customers_consent_independently(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    first, second = add_customer(), add_customer()
    grant(admin, first)
    assert state(admin, second, "marketing", "sms").status == "none"


# ---- access ------------------------------------------------------------------------------------


def test_actor_who_cannot_change_the_customer_is_refused(
    admin: User,
    sales: User,
    marketing: User,
    make_user: Callable[..., User],
    add_customer: Callable[..., Customer],
) -> None:
    customer = add_customer(owner=marketing)  # marketing sees it but may not change customers
    with pytest.raises(PermissionDenied):
        grant(marketing, customer)
    with pytest.raises(NotFound):  # someone else's customer: not even visible to sales
        grant(sales, customer)
    analyst = make_user("analyst", roles.ANALYST)
    with pytest.raises(PermissionDenied):
        withdraw(analyst, customer)
    with pytest.raises(NotFound):
        grant(admin, Customer(pk="0190b5a4-0000-7000-8000-000000000000"))
    assert not ConsentEvent.objects.exists()


def test_without_the_consent_permission_even_the_owner_is_refused(
    make_user: Callable[..., User], add_customer: Callable[..., Customer]
) -> None:
    permission = Permission.objects.get(codename="manage_consent")
    Group.objects.get(name=roles.SALES).permissions.remove(permission)
    owner = make_user("owner-without-consent", roles.SALES)
    customer = add_customer(owner=owner)
    with pytest.raises(PermissionDenied):
        grant(owner, customer)


def test_owner_with_the_permission_records_consent(
    sales: User, add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer(owner=sales)
    assert grant(sales, customer).actor == sales


# ---- double opt-in -----------------------------------------------------------------------------


def start(actor: User, customer: Customer, **kwargs: Any) -> services.ConsentRequest:
    args = {"purpose": "marketing", "channel": "sms", "notice_version": "2024-05", **kwargs}
    return services.start_double_opt_in(actor=actor, customer_id=customer.pk, **args)


def sent_code(
    actor: User, customer: Customer, outbox: list[ConsentMessage], capture: Any, **kwargs: Any
) -> str:
    with capture(execute=True):
        start(actor, customer, **kwargs)
    return outbox[-1].code


def test_code_is_sent_only_after_the_commit(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        started = start(admin, customer)
        assert outbox == []  # the transaction is still open
    assert len(callbacks) == 1
    [message] = outbox
    assert message.via == "sms" and message.to == "+8613800138000"
    assert message.code in message.body and len(message.code) == 11  # XXXXX-XXXXX
    assert message.confirmation_id == started.confirmation.pk
    # only a keyed hash is stored
    stored = ConsentConfirmation.objects.get()
    assert message.code.replace("-", "") not in stored.code_digest
    assert stored.code_digest == services.code_digest(message.code)
    # requesting is not consenting
    now = state(admin, customer, "marketing", "sms")
    assert now.status == "none" and now.pending is True
    assert started.event.action == "requested" and started.event.source == "double_opt_in"


def test_a_rolled_back_double_opt_in_sends_nothing(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        start(admin, customer)
        raise RuntimeError("something later in the same use case failed")
    assert callbacks == [] and outbox == []
    assert not ConsentConfirmation.objects.exists()
    assert not ConsentEvent.objects.exists()


def test_the_right_code_grants_consent(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer()
    code = sent_code(admin, customer, outbox, django_capture_on_commit_callbacks)

    # typed loosely: lower case, no dash, spaces
    event = services.confirm_double_opt_in(
        code=f" {code.lower().replace('-', ' ')} ", evidence={"ip": "198.51.100.7"}
    )

    assert event.action == "granted" and event.source == "double_opt_in"
    assert event.actor is None  # the customer confirmed, not a user
    assert event.notice_version == "2024-05"
    assert event.evidence["ip"] == "198.51.100.7"
    assert event.evidence["requested_by"] == "consent-admin"
    now = state(admin, customer, "marketing", "sms")
    assert now.status == "granted" and now.pending is False
    confirmation = ConsentConfirmation.objects.get()
    assert confirmation.used_at is not None and confirmation.grant_event == event


def test_wrong_expired_and_reused_codes_are_refused(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer()
    code = sent_code(admin, customer, outbox, django_capture_on_commit_callbacks)

    for wrong in ("", "12345", "ZZZZZ-ZZZZZ"):
        with pytest.raises(ValidationFailed) as caught:
            services.confirm_double_opt_in(code=wrong)
        assert errors_of(caught) == {("code", "code_invalid")}

    services.confirm_double_opt_in(code=code)
    with pytest.raises(ValidationFailed) as caught:
        services.confirm_double_opt_in(code=code)
    assert errors_of(caught) == {("code", "code_used")}
    assert "already been used" in caught.value.details("en")[0]["message"]

    other = add_customer()
    expired = sent_code(admin, other, outbox, django_capture_on_commit_callbacks)
    ConsentConfirmation.objects.filter(customer=other).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationFailed) as caught:
        services.confirm_double_opt_in(code=expired)
    assert errors_of(caught) == {("code", "code_expired")}
    assert caught.value.details("zh-hans")[0]["message"] == "确认码已过期，请重新获取。"
    assert state(admin, other, "marketing", "sms").status == "none"
    assert ConsentEvent.objects.filter(action="granted").count() == 1


def test_withdrawal_and_newer_codes_cancel_open_codes(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer()
    first = sent_code(admin, customer, outbox, django_capture_on_commit_callbacks)
    second = sent_code(admin, customer, outbox, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationFailed) as caught:
        services.confirm_double_opt_in(code=first)
    assert errors_of(caught) == {("code", "code_cancelled")}

    withdraw(admin, customer)
    with pytest.raises(ValidationFailed) as caught:
        services.confirm_double_opt_in(code=second)
    assert errors_of(caught) == {("code", "code_cancelled")}
    assert state(admin, customer, "marketing", "sms").status == "withdrawn"


def test_purpose_requiring_double_opt_in_refuses_a_plain_grant(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    Purpose.objects.filter(key="marketing").update(requires_double_opt_in=True)
    customer = add_customer()
    for source in ("form", "api"):
        with pytest.raises(ValidationFailed) as caught:
            grant(admin, customer, source=source)
        assert caught.value.code == "double_opt_in_required"
        assert errors_of(caught) == {("source", "double_opt_in_required")}
    assert not ConsentEvent.objects.exists()
    # consent evidenced elsewhere (staff, import) is still recorded; codes work as always
    assert grant(admin, customer, source="staff", channel="email").action == "granted"
    code = sent_code(admin, customer, outbox, django_capture_on_commit_callbacks)
    services.confirm_double_opt_in(code=code)
    assert state(admin, customer, "marketing", "sms").status == "granted"


def test_code_goes_by_email_for_email_and_to_the_phone_for_channel_free_purposes(
    admin: User,
    add_customer: Callable[..., Customer],
    outbox: list[ConsentMessage],
    django_capture_on_commit_callbacks: Any,
) -> None:
    customer = add_customer(email="zhang@example.com")
    sent_code(admin, customer, outbox, django_capture_on_commit_callbacks, channel="email")
    assert (outbox[-1].via, outbox[-1].to) == ("email", "zhang@example.com")
    sent_code(
        admin,
        customer,
        outbox,
        django_capture_on_commit_callbacks,
        purpose="sensitive_data_processing",
        channel="any",
    )
    assert outbox[-1].via == "sms"
    assert "Processing of sensitive personal information" in outbox[-1].body


def test_no_contact_to_send_the_code_to_is_a_field_error(
    admin: User, add_customer: Callable[..., Customer]
) -> None:
    customer = add_customer()  # a phone, no e-mail
    with pytest.raises(ValidationFailed) as caught:
        start(admin, customer, channel="email")
    assert errors_of(caught) == {("deliver_via", "no_contact")}
    assert "e-mail address" in caught.value.details("en")[0]["message"]
    assert not ConsentConfirmation.objects.exists()
