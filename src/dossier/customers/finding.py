"""Finding customers by what a search box holds: names through the search index, exact
identifiers and a phone's last four digits through their blind indexes."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from dossier.core.actors import MaybeActor
from dossier.core.fields import FieldError, FieldSpec, get_type, searchable_types
from dossier.core.fields.base import fold_width
from dossier.core.fields.contact import parse_phone
from dossier.customers.access import may
from dossier.customers.models import Customer, CustomerLookup
from dossier.customers.names import normalise_query
from dossier.customers.search_index import match as _match
from dossier.protection.disclosure import last4_digest, lookup_digest, may_see_personal


def identifiers(query: str) -> dict[str, str]:
    """The identifier types ``query`` reads as, with the blind index of each."""
    found = {}
    # the types that say a search box may find customers by their exact value
    for type_name in searchable_types("exact"):
        if type_name == "phone" and parse_phone(query) is None:
            continue
        try:
            value = get_type(type_name).validate(query, FieldSpec("q", type_name))
        except FieldError:
            continue
        found[type_name] = lookup_digest(type_name, value)
    return found


def may_search_by(actor: MaybeActor, type_name: str) -> bool:
    # An exact search confirms a value as surely as seeing it: only those who may see it whole
    # may search by it (phones and e-mails: personal data; ID numbers: those who may reveal).
    if type_name in ("phone", "email"):
        return may_see_personal(actor)
    if type_name == "cn_id_card":
        return may(actor, "customers.reveal_customer")
    return True


def _last4(query: str) -> str | None:
    """The blind index of the last four digits of a phone when ``query`` is four digits."""
    digits = fold_width(query).strip()
    if len(digits) != 4 or not (digits.isascii() and digits.isdecimal()):
        return None
    return last4_digest(digits)


def search(queryset: QuerySet[Customer], query: str, *, actor: MaybeActor) -> QuerySet[Customer]:
    """Customers whose name (Chinese, traditional, pinyin or initials) contains ``query``,
    whose phone, e-mail, ID number or credit code equals it, or (four digits) whose phone
    ends with it.

    An identifier is matched through its blind index only, so its plaintext never reaches
    the SQL (nor the database's logs). Phones are searched only by those who may see them.
    """
    condition, _few = search_condition(query, actor=actor)
    return queryset if condition is None else queryset.filter(condition)


def search_condition(query: str, *, actor: MaybeActor) -> tuple[Q | None, bool]:
    """The condition of :func:`search` (None: no query), and whether the customers it finds
    are few: read by their ids or an index, not by testing customer after customer."""
    text = normalise_query(query)
    if not text:
        return None, False
    typed = identifiers(query)
    if typed:
        digests = [d for kind, d in typed.items() if may_search_by(actor, kind)]
        matching = CustomerLookup.objects.filter(digest__in=digests).values("customer_id")
        return Q(id__in=matching), True
    by_name, few = _match(text)  # through the database's search index
    last4 = _last4(query) if may_search_by(actor, "phone") else None
    if last4 is not None:
        ending = CustomerLookup.objects.filter(digest=last4).values("customer_id")
        return by_name | Q(id__in=ending), few
    return by_name, few
