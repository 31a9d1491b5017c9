"""Error messages for field validation, in zh-Hans and English.

Kept beside the validator (not in gettext catalogues) so the pure core can speak both
languages without Django; the page and API layers pick the language.
"""

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (English, 简体中文)
    "required": ("{label} is required.", "{label}为必填项。"),
    "unknown_field": ("{label} is not a field of this template.", "{label}不是该模板中的字段。"),
    "invalid_text": ("{label} must be text.", "{label}必须是文本。"),
    "control_characters": (
        "{label} contains control characters.",
        "{label}包含不可见的控制字符。",
    ),
    "too_short": ("{label} must be at least {min} characters.", "{label}至少需要{min}个字符。"),
    "too_long": ("{label} must be at most {max} characters.", "{label}最多{max}个字符。"),
    "pattern": ("{label} does not match the required format.", "{label}格式不符合要求。"),
    "invalid_integer": ("{label} must be a whole number.", "{label}必须是整数。"),
    "invalid_decimal": ("{label} must be a number.", "{label}必须是数字。"),
    "invalid_money": (
        "{label} must be an amount such as 1234.50.",
        "{label}必须是金额，例如 1234.50。",
    ),
    "too_many_decimals": (
        "{label} allows at most {places} decimal places.",
        "{label}最多保留{places}位小数。",
    ),
    "too_small": ("{label} must be at least {min}.", "{label}不能小于{min}。"),
    "too_large": ("{label} must be at most {max}.", "{label}不能大于{max}。"),
    "invalid_boolean": ("{label} must be yes or no.", "{label}必须为“是”或“否”。"),
    "invalid_date": (
        "{label} must be a date such as 2024-05-01.",
        "{label}必须是日期，例如 2024-05-01。",
    ),
    "invalid_datetime": (
        "{label} must be a date and time such as 2024-05-01 14:30.",
        "{label}必须是日期时间，例如 2024-05-01 14:30。",
    ),
    "date_out_of_range": (
        "{label} must be between {min} and {max}.",
        "{label}必须在{min}与{max}之间。",
    ),
    "invalid_choice": (
        "{label}: “{value}” is not one of the allowed choices.",
        "{label}：“{value}”不在可选项中。",
    ),
    "invalid_email": (
        "{label} is not a valid e-mail address: {reason}",
        "{label}不是有效的邮箱地址：{reason}",
    ),
    "invalid_phone": (
        "{label} is not a valid phone number.",
        "{label}不是有效的电话号码。",
    ),
    "not_mobile": ("{label} must be a mobile number.", "{label}必须是手机号码。"),
    "invalid_url": (
        "{label} must be a web address such as https://example.com.",
        "{label}必须是网址，例如 https://example.com。",
    ),
    "id_card_length": (
        "{label} must have 18 characters (it has {length}).",
        "{label}应为18位（当前{length}位）。",
    ),
    "id_card_old_format": (
        "{label}: 15-digit ID numbers are no longer valid; enter the 18-digit number.",
        "{label}：15位身份证号已停用，请填写18位号码。",
    ),
    "id_card_format": (
        "{label} must be 17 digits followed by a digit or X.",
        "{label}应为17位数字加1位数字或X。",
    ),
    "id_card_province": (
        "{label} starts with {prefix}, which is not a province code.",
        "{label}的前两位{prefix}不是有效的省级代码。",
    ),
    "id_card_birth_date": (
        "{label} holds the birth date {value}, which is not a valid date.",
        "{label}中的出生日期{value}无效。",
    ),
    "id_card_checksum": (
        "{label} has a wrong check digit (the last character should be {expected}).",
        "{label}校验位错误（最后一位应为{expected}）。",
    ),
    "id_card_mismatch": (
        "{label} ({value}) does not match the ID number in {source}.",
        "{label}（{value}）与{source}中的身份证号不一致。",
    ),
    "uscc_length": (
        "{label} must have 18 characters (it has {length}).",
        "{label}应为18位（当前{length}位）。",
    ),
    "uscc_format": (
        "{label} contains characters a credit code cannot have.",
        "{label}包含统一社会信用代码不允许的字符。",
    ),
    "uscc_checksum": ("{label} has a wrong check character.", "{label}校验位错误。"),
    "too_many_items": (
        "{label} can hold at most {max} items.",
        "{label}最多只能有{max}项。",
    ),
    "invalid_list": ("{label} must be a list of choices.", "{label}必须是选项列表。"),
    "not_unique": (
        "{label}: another customer already has this value.",
        "{label}：已有其他客户使用该值。",
    ),
    # Template definition errors
    "invalid_key": (
        "Field key “{value}” must start with a letter and use only a-z, 0-9 and _.",
        "字段标识“{value}”必须以字母开头，只能包含 a-z、0-9 和 _。",
    ),
    "unknown_type": ("Field type “{value}” does not exist.", "字段类型“{value}”不存在。"),
    "duplicate_key": ("Field key “{value}” appears twice.", "字段标识“{value}”重复。"),
    "invalid_rule": ("Rule “{rule}” is not valid: {reason}", "规则“{rule}”无效：{reason}"),
    "core_type_mismatch": (
        "{label} is a built-in field of type {expected}; it cannot be redefined as {value}.",
        "{label}是类型为{expected}的内置字段，不能改为{value}。",
    ),
    "invalid_classification": (
        "Classification “{value}” must be general, personal or sensitive.",
        "分级“{value}”必须是 general、personal 或 sensitive。",
    ),
    "invalid_default": (
        "The default of {label} is not valid: {reason}",
        "{label}的默认值无效：{reason}",
    ),
}


def render(code: str, language: str, params: dict[str, Any]) -> str:
    """The message for ``code`` in ``language`` ("zh-hans" or "en")."""
    english, chinese = MESSAGES.get(code, ("{label}: {code}", "{label}：{code}"))
    pattern = chinese if language.lower().startswith("zh") else english
    try:
        return pattern.format(code=code, **params)
    except (KeyError, IndexError):
        return pattern
