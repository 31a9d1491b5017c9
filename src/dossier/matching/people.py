"""Customers as the matching engine's plain records (values decrypted in memory only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dossier.core.fields import FieldSpec
from dossier.customers.models import Customer
from dossier.matching.engine import Person

#: template field types that hold a national or company id number
ID_TYPES = ("cn_id_card", "cn_uscc")
#: lookup fields whose equal digest makes a customer a candidate at entry
KEY_TYPES = ("phone", "email", *ID_TYPES)


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def id_number(values: Mapping[str, Any], specs: Sequence[FieldSpec]) -> str:
    """The first national or company id number among a customer's values."""
    for spec in specs:
        if spec.type in ID_TYPES and values.get(spec.key):
            return str(values[spec.key])
    return ""


def person_from_values(
    record_id: str, values: Mapping[str, Any], specs: Sequence[FieldSpec]
) -> Person:
    """A record for the engine from validated values (a customer not stored yet)."""
    return Person(
        id=record_id,
        name=_text(values.get("display_name")),
        phone=_text(values.get("phone")),
        email=_text(values.get("email")),
        birthday=_text(values.get("birthday")),
        id_number=id_number(values, specs),
        address=_text(values.get("address")),
        city=_text(values.get("city")),
        province=_text(values.get("province")),
        district=_text(values.get("district")),
        company=_text(values.get("company")),
        kind=_text(values.get("kind")) or "person",
    )


def person_of(customer: Customer, specs: Sequence[FieldSpec] | None = None) -> Person:
    """A stored customer as a record for the engine."""
    specs = specs if specs is not None else customer.template_version.specs()
    protected: dict[str, Any] = customer.protected or {}  # type: ignore[assignment]
    attributes: dict[str, Any] = customer.attributes or {}
    identity = ""
    for spec in specs:
        if spec.type in ID_TYPES:
            identity = protected.get(spec.key) or attributes.get(spec.key) or ""
            if identity:
                break
    return Person(
        id=str(customer.pk),
        name=customer.display_name,
        phone=customer.phone or "",
        email=customer.email or "",
        birthday=_text(customer.birthday),
        id_number=str(identity),
        address=customer.address or "",
        city=customer.city,
        province=customer.province,
        district=customer.district,
        company=customer.company,
        kind=customer.kind or "person",
    )


def people(customers: Iterable[Customer]) -> list[Person]:
    """Stored customers as engine records, each template version's fields read once."""
    specs_by_version: dict[Any, list[FieldSpec]] = {}
    out = []
    for customer in customers:
        specs = specs_by_version.get(customer.template_version_id)
        if specs is None:
            specs = specs_by_version[customer.template_version_id] = (
                customer.template_version.specs()
            )
        out.append(person_of(customer, specs))
    return out
