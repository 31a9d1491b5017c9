"""Comparing two prepared records field by field: agreement levels, vetoes, explanations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from rapidfuzz.distance import JaroWinkler, Levenshtein

from dossier.matching.engine.records import Prepared

#: compared fields and their number of agreement levels (0 = differs … highest = equal)
LEVELS: dict[str, int] = {
    "name": 5,
    "birthday": 3,
    "phone": 3,
    "email": 3,
    "id_number": 3,
    "address": 3,
    "city": 2,
    "postcode": 2,
    "company": 3,
}
FIELDS = tuple(LEVELS)
MISSING = -1

_LABELS = {
    "name": ("name", "姓名"),
    "birthday": ("birthday", "生日"),
    "phone": ("phone", "电话"),
    "email": ("e-mail", "邮箱"),
    "id_number": ("ID number", "证件号"),
    "address": ("address", "地址"),
    "city": ("city", "城市"),
    "postcode": ("postcode", "邮编"),
    "company": ("company", "公司"),
}
_VIA = {
    "simplified": ("simplified characters", "简繁转换"),
    "pinyin": ("pinyin", "拼音"),
    "spelling": ("spelling", "拼写"),
    "local_part": ("the part before @", "@前部分"),
    "typo": ("one character", "一个字符"),
    "swap": ("day and month swapped", "日月颠倒"),
    "tokens": ("shared words", "共同词"),
}
_RULES = {
    "same_id_number": ("same ID number", "证件号相同"),
    "same_phone_compatible_name": ("same phone and a compatible name", "电话相同且姓名相符"),
    "same_email": ("same e-mail", "邮箱相同"),
}
_VETOES = {
    "birthday": ("birthday differs → not merged", "生日不同 → 不合并"),
    "id_number": ("ID number differs → not merged", "证件号不同 → 不合并"),
    "household": (
        "shares {what} but the names differ → a household, not merged",
        "{what}相同但姓名不同 → 同户，不合并",
    ),
}


@dataclass(frozen=True)
class Reason:
    """One line of a match's explanation."""

    field: str
    outcome: str  # equal | similar | differs | veto | rule
    weight: float
    detail: dict[str, Any] = dataclass_field(default_factory=dict)

    def text(self, language: str = "en") -> str:
        """The line in English or (``zh…``) Chinese."""
        zh = language.lower().startswith("zh")
        pick = 1 if zh else 0
        label = _LABELS.get(self.field, (self.field, self.field))[pick]
        if self.outcome == "rule":
            rule = _RULES.get(self.detail.get("rule", ""), (self.field, self.field))[pick]
            return ("规则：" if zh else "rule: ") + rule
        if self.outcome == "veto":
            if self.field == "household":
                what = "、".join(_LABELS[w][1] for w in self.detail.get("shared", ()))
                if not zh:
                    what = " and ".join(_LABELS[w][0] for w in self.detail.get("shared", ()))
                return _VETOES["household"][pick].format(what=what)
            return _VETOES.get(self.field, (f"{label} differs", f"{label}不同"))[pick]
        values = ""
        if "a" in self.detail and "b" in self.detail:
            values = f" {self.detail['a']} ≈ {self.detail['b']}"
        if self.outcome == "equal":
            if values and self.detail.get("via"):
                via = _VIA[self.detail["via"]][pick]
                return f"{label}{values}（{via}）" if zh else f"{label}{values} via {via}"
            return f"{label}相同" if zh else f"{label} equal"
        if self.outcome == "similar":
            via = _VIA.get(self.detail.get("via", ""), ("", ""))[pick]
            similarity = self.detail.get("similarity")
            measure = f" {similarity:.2f}" if isinstance(similarity, float) else ""
            if zh:
                return f"{label}相近{values}（{via}{measure}）"
            return f"{label}{values or ' similar'} via {via}{measure}"
        return f"{label}不同" if zh else f"{label} differs"


@dataclass(frozen=True)
class Comparison:
    """Agreement levels of one pair (MISSING where a side has no value) and their details."""

    levels: tuple[int, ...]
    details: dict[str, dict[str, Any]]


def _one_off(a: str, b: str) -> bool:
    return (len(a) == len(b) and Levenshtein.distance(a, b) <= 1) or (
        Levenshtein.distance(a, b, weights=(1, 1, 1)) <= 1
    )


def _name(a: Prepared, b: Prepared) -> tuple[int, dict[str, Any]]:
    if not a.syllables or not b.syllables:
        return MISSING, {}
    shown = {"a": a.shown_name, "b": b.shown_name}
    if a.numbers != b.numbers and a.numbers and b.numbers:
        return 0, shown  # 客户1 and 客户2, 1号店 and 2号店: numbered apart
    if a.han and b.han:
        if a.han == b.han:
            via = (
                "simplified"
                if a.shown_name.replace(" ", "") != b.shown_name.replace(" ", "")
                else ""
            )
            return 4, {**shown, "via": via} if via else shown
        if a.syllables == b.syllables:
            return 3, {**shown, "via": "pinyin", "similarity": 1.0}
        if a.surname == b.surname and len(a.han) > 1 and len(b.han) > 1:
            given = JaroWinkler.normalized_similarity(
                "".join(a.syllables[1:]), "".join(b.syllables[1:])
            )
            if given < 0.9:  # the same family name, another given name: another person
                return 0, {**shown, "via": "pinyin", "similarity": round(given, 2)}
    if a.joined == b.joined and not (a.han or b.han):
        return 4, shown
    a_back, b_back = "".join(reversed(a.syllables)), "".join(reversed(b.syllables))
    if (
        Counter(a.syllables) == Counter(b.syllables)
        or a.joined in (b.joined, b_back)
        or (b.joined == a_back)
    ):
        return 3, {**shown, "via": "pinyin" if (a.han or b.han) else "spelling", "similarity": 1.0}
    similarity = max(
        JaroWinkler.normalized_similarity(a.joined, b.joined),
        JaroWinkler.normalized_similarity(a.joined, b_back),
        JaroWinkler.normalized_similarity(a_back, b.joined),
        JaroWinkler.normalized_similarity(
            "".join(sorted(a.syllables)), "".join(sorted(b.syllables))
        ),
    )
    via = "pinyin" if (a.han or b.han) else "spelling"
    detail = {**shown, "via": via, "similarity": round(similarity, 2)}
    if similarity >= 0.92:
        return 2, detail
    if similarity >= 0.8:
        return 1, detail
    return 0, detail


def _exact_or_typo(a: str, b: str, *, min_length: int = 1) -> tuple[int, dict[str, Any]]:
    if not a or not b or len(a) < min_length or len(b) < min_length:
        return MISSING, {}
    if a == b:
        return 2, {}
    if _one_off(a, b):
        return 1, {"via": "typo"}
    return 0, {}


def _birthday(a: str, b: str) -> tuple[int, dict[str, Any]]:
    if not a or not b:
        return MISSING, {}
    if a == b:
        return 2, {}
    if a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]:
        return 1, {"via": "swap"}
    if Levenshtein.distance(a, b) <= 1:
        return 1, {"via": "typo"}
    return 0, {}


def _email(a: Prepared, b: Prepared) -> tuple[int, dict[str, Any]]:
    if not a.email or not b.email:
        return MISSING, {}
    if a.email == b.email:
        return 2, {}
    if a.email_local and a.email_local == b.email_local and len(a.email_local) >= 4:
        return 1, {"via": "local_part"}
    return 0, {}


def _address(a: frozenset[str], b: frozenset[str]) -> tuple[int, dict[str, Any]]:
    if not a or not b:
        return MISSING, {}
    shared = len(a & b) / len(a | b)
    detail = {"via": "tokens", "similarity": round(shared, 2)}
    return (2 if shared >= 0.8 else 1 if shared >= 0.5 else 0), detail


def _same(a: str, b: str) -> int:
    return MISSING if not a or not b else int(a == b)


def _company(a: str, b: str) -> tuple[int, dict[str, Any]]:
    if not a or not b:
        return MISSING, {}
    if a == b:
        return 2, {}
    similarity = JaroWinkler.normalized_similarity(a, b)
    return (1 if similarity >= 0.9 else 0), {"similarity": round(similarity, 2)}


def compare_fields(a: Prepared, b: Prepared) -> Comparison:
    """Each field's agreement level for a pair of records."""
    name, name_detail = _name(a, b)
    birthday, birthday_detail = _birthday(a.birthday, b.birthday)
    phone, phone_detail = _exact_or_typo(a.phone, b.phone, min_length=7)
    email, email_detail = _email(a, b)
    identity, identity_detail = _exact_or_typo(a.id_number, b.id_number, min_length=5)
    address, address_detail = _address(a.address, b.address)
    company, company_detail = _company(a.company, b.company)
    levels = (
        name,
        birthday,
        phone,
        email,
        identity,
        address,
        _same(a.city, b.city),
        _same(a.postcode, b.postcode),
        company,
    )
    details = {
        "name": name_detail,
        "birthday": birthday_detail,
        "phone": phone_detail,
        "email": email_detail,
        "id_number": identity_detail,
        "address": address_detail,
        "company": company_detail,
    }
    return Comparison(levels=levels, details=details)
