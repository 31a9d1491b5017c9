"""Why two records are (not) one customer: one reason per compared field, in en and zh-Hans."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("name", "姓名"),
    "birthday": ("birthday", "生日"),
    "phone": ("phone", "电话"),
    "email": ("e-mail", "邮箱"),
    "id_number": ("ID number", "证件号码"),
    "address": ("address", "地址"),
    "city": ("city", "城市"),
    "province": ("province", "省份"),
    "postcode": ("postcode", "邮编"),
    "household": ("household", "同户"),
    "namesake": ("namesake", "同名"),
}
_VIA_ZH = {
    "pinyin": "拼音",
    "traditional": "繁简",
    "order": "顺序",
    "spelling": "拼写",
    "part": "部分相同",
}
#: how a similarity was found, where the English words differ from its key
_VIA_EN = {"part": "one part"}
_RULES: dict[str, tuple[str, str]] = {
    "same_id_number": ("same ID number → duplicate", "证件号码相同 → 重复"),
    "same_phone_compatible_name": (
        "same phone and compatible name → duplicate",
        "电话相同且姓名相符 → 重复",
    ),
    "same_email": ("same e-mail → duplicate", "邮箱相同 → 重复"),
}
_VETOES: dict[str, tuple[str, str]] = {
    "birthday": ("birthday differs → not merged", "生日不同 → 不合并"),
    "id_number": ("ID number differs → not merged", "证件号码不同 → 不合并"),
    "household": (
        "shares {shared} but given names differ (household or twins) → not merged",
        "共用{shared_zh}但名字不同（同户或双胞胎）→ 不合并",
    ),
    "namesake": (
        "same name, nothing else agrees and contacts differ (namesakes) → not merged",
        "同名，但其他信息不符（同名者）→ 不合并",
    ),
    "name": ("names clearly differ → not merged", "姓名明显不同 → 不合并"),
}
_OUTCOMES_ZH = {"equal": "相同", "differs": "不同", "missing": "缺失"}


@dataclass(frozen=True)
class Reason:
    """One line of a match's explanation: a field, what the comparison found, its weight."""

    field: str
    outcome: str  # "equal" | "similar" | "differs" | "missing" | "veto" | "rule"
    weight: float  # log2 Bayes factor contributed (0 for missing)
    detail: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    def text(self, language: str = "en") -> str:
        """The reason as a sentence fragment: "phone equal", "电话相同"."""
        zh = language.lower().startswith("zh")
        label = FIELD_LABELS.get(self.field, (self.field, self.field))[1 if zh else 0]
        if self.outcome == "rule":
            words = _RULES.get(str(self.detail.get("rule", "")), (self.field, self.field))
            return words[1 if zh else 0]
        if self.outcome == "veto":
            template = _VETOES.get(self.field, ("{field} → not merged", "{field} → 不合并"))
            return template[1 if zh else 0].format(field=label, **self.detail)
        if self.outcome == "similar":
            a, b = self.detail.get("a", ""), self.detail.get("b", "")
            via = str(self.detail.get("via", "spelling"))
            similarity = float(self.detail.get("similarity", 0.0))
            if zh:
                return f"{label} {a} ≈ {b}（{_VIA_ZH.get(via, via)} {similarity:.2f}）"
            return f"{label} {a} ≈ {b} via {_VIA_EN.get(via, via)} {similarity:.2f}"
        if zh:
            return f"{label}{_OUTCOMES_ZH.get(self.outcome, self.outcome)}"
        return f"{label} {self.outcome}"


@dataclass(frozen=True)
class Match:
    """Two records compared: ids (a < b), match probability, decision, rule and reasons."""

    a: str
    b: str
    score: float
    decision: str  # "duplicate" | "possible" | "distinct"
    rule: str | None
    reasons: tuple[Reason, ...]

    def text(self, language: str = "en") -> str:
        """All reasons on one line, strongest first."""
        ordered = sorted(self.reasons, key=lambda r: -abs(r.weight))
        return "; ".join(r.text(language) for r in ordered if r.outcome != "missing")
