"""Who a task or a ticket about a customer may go to: the one rule, for both apps."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from dossier.accounts.selectors import active_user
from dossier.core.errors import ValidationFailed
from dossier.core.fields import FieldError, FieldLabel
from dossier.customers.access import restrict
from dossier.customers.models import Customer

ASSIGNEE = FieldLabel("assignee", "负责人", "Assignee")


def user_named(username: str, *, field: FieldLabel = ASSIGNEE) -> User:
    """The active user with this user name; otherwise a validation error on the field."""
    user = active_user(username=username) if username else None
    if user is None:
        raise ValidationFailed(
            _("No such user."),
            errors=[FieldError("unknown_user", spec=field, value=str(username)[:150])],
        )
    return user


def may_work_on(*, customer_id: Any, user: User | None) -> bool:
    """Whether ``user`` is active and may change the customer (so may work on it)."""
    if user is None or not user.is_active:
        return False
    return restrict(Customer.objects.filter(pk=customer_id), user, "change").exists()


def check_assignee(*, customer_id: Any, user: User, field: FieldLabel = ASSIGNEE) -> User:
    """``user`` if they may work on the customer (active, and may change them), else a 422.

    Work handed to someone who cannot open the customer would sit on a list they cannot act on.
    """
    if not may_work_on(customer_id=customer_id, user=user):
        raise ValidationFailed(
            _("This person cannot work on this customer."),
            errors=[FieldError("assignee_not_eligible", spec=field, value=user.get_username())],
        )
    return user
