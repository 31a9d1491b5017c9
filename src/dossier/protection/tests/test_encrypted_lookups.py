"""Encrypted columns refuse comparisons that could never match, instead of matching nothing."""

import pytest

from dossier.customers.models import Customer
from dossier.protection.fields import EncryptedLookupError


@pytest.mark.django_db
def test_filtering_an_encrypted_column_by_value_is_refused():
    with pytest.raises(EncryptedLookupError, match="blind index"):
        list(Customer.objects.filter(phone="+8613800138000"))


@pytest.mark.django_db
@pytest.mark.parametrize("lookup", ["icontains", "startswith", "in", "gt"])
def test_other_lookups_on_an_encrypted_column_are_refused(lookup):
    value = ["x"] if lookup == "in" else "x"
    with pytest.raises(EncryptedLookupError, match=lookup):
        list(Customer.objects.filter(**{f"email__{lookup}": value}))


@pytest.mark.django_db
def test_emptiness_can_still_be_asked():
    assert list(Customer.objects.filter(phone="")) == []
    assert list(Customer.objects.exclude(address="").filter(email__isnull=True)) == []
