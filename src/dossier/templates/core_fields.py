"""The core fields every customer has, whatever the template. Pure.

A template may list a core field to change its label, help, section, required flag or
rules, but not its type; the customer stores it in a typed column, not in attributes.
"""

from __future__ import annotations

from dataclasses import replace

from dossier.core.fields import FieldSpec

GENDERS = [
    {"value": "male", "label_zh": "男", "label_en": "Male"},
    {"value": "female", "label_zh": "女", "label_en": "Female"},
    {"value": "unknown", "label_zh": "未知", "label_en": "Unknown"},
]
KINDS = [
    {"value": "person", "label_zh": "个人", "label_en": "Person"},
    {"value": "company", "label_zh": "企业", "label_en": "Company"},
]
SOURCES = [
    {"value": "store", "label_zh": "门店", "label_en": "Store"},
    {"value": "web", "label_zh": "官网", "label_en": "Website"},
    {"value": "app", "label_zh": "App", "label_en": "App"},
    {"value": "mini_program", "label_zh": "小程序", "label_en": "Mini program"},
    {"value": "phone", "label_zh": "电话", "label_en": "Phone"},
    {"value": "event", "label_zh": "活动", "label_en": "Event"},
    {"value": "referral", "label_zh": "转介绍", "label_en": "Referral"},
    {"value": "partner", "label_zh": "渠道伙伴", "label_en": "Partner"},
    {"value": "import", "label_zh": "导入", "label_en": "Import"},
    {"value": "other", "label_zh": "其他", "label_en": "Other"},
]
LIFECYCLES = [
    {"value": "lead", "label_zh": "线索", "label_en": "Lead"},
    {"value": "prospect", "label_zh": "潜在客户", "label_en": "Prospect"},
    {"value": "active", "label_zh": "活跃客户", "label_en": "Active"},
    {"value": "dormant", "label_zh": "沉睡客户", "label_en": "Dormant"},
    {"value": "churned", "label_zh": "已流失", "label_en": "Churned"},
]

CORE_FIELDS: list[FieldSpec] = [
    FieldSpec(
        "kind",
        "choice",
        "类型",
        "Type",
        required=True,
        rules={"choices": KINDS},
        default="person",
        section="basic",
    ),
    FieldSpec(
        "display_name",
        "text",
        "名称",
        "Name",
        required=True,
        rules={"max_length": 200},
        section="basic",
    ),
    FieldSpec("gender", "choice", "性别", "Gender", rules={"choices": GENDERS}, section="basic"),
    FieldSpec(
        "birthday",
        "date",
        "生日",
        "Birthday",
        rules={"max_value": "today"},
        classification="personal",
        section="basic",
    ),
    FieldSpec("phone", "phone", "手机", "Phone", classification="personal", section="contact"),
    FieldSpec("email", "email", "邮箱", "E-mail", classification="personal", section="contact"),
    FieldSpec("province", "text", "省份", "Province", rules={"max_length": 50}, section="contact"),
    FieldSpec("city", "text", "城市", "City", rules={"max_length": 50}, section="contact"),
    FieldSpec("district", "text", "区县", "District", rules={"max_length": 50}, section="contact"),
    FieldSpec(
        "address", "address", "详细地址", "Address", classification="personal", section="contact"
    ),
    FieldSpec("company", "text", "公司", "Company", rules={"max_length": 200}, section="work"),
    FieldSpec("title", "text", "职位", "Title", rules={"max_length": 100}, section="work"),
    FieldSpec(
        "source", "choice", "来源渠道", "Source", rules={"choices": SOURCES}, section="sales"
    ),
    FieldSpec(
        "lifecycle",
        "choice",
        "生命周期",
        "Lifecycle",
        rules={"choices": LIFECYCLES},
        default="lead",
        section="sales",
    ),
]
CORE_KEYS = frozenset(spec.key for spec in CORE_FIELDS)
#: sizes of the customer columns that hold core choices (text fields carry max_length rules)
CHOICE_COLUMN_LENGTHS = {"kind": 16, "gender": 16, "source": 32, "lifecycle": 32}
#: core columns that hold NULL when empty (a date); the text columns hold ""
NULLABLE_COLUMNS = frozenset({"birthday"})
_CORE_BY_KEY = {spec.key: spec for spec in CORE_FIELDS}
#: what a template may change on a core field
OVERRIDABLE = (
    "label_zh",
    "label_en",
    "required",
    "help_zh",
    "help_en",
    "section",
    "default",
    "rules",
)


def core_spec(key: str) -> FieldSpec:
    return _CORE_BY_KEY[key]


def merge_specs(template_specs: list[FieldSpec]) -> list[FieldSpec]:
    """Core fields (with the template's overrides) followed by the template's own fields."""
    overrides = {s.key: s for s in template_specs if s.key in CORE_KEYS}
    merged = []
    for core in CORE_FIELDS:
        own = overrides.get(core.key)
        if own is None:
            merged.append(core)
            continue
        changes = {
            name: getattr(own, name)
            for name in OVERRIDABLE
            if getattr(own, name) not in (None, "", {})
        }
        # The display name and kind stay required whatever the template says.
        if core.required:
            changes["required"] = True
        # The core rules stay underneath (choices, and the max_length that fits the column).
        if "rules" in changes:
            changes["rules"] = {**core.rules, **changes["rules"]}
        merged.append(replace(core, **changes))
    merged += [s for s in template_specs if s.key not in CORE_KEYS]
    return merged
