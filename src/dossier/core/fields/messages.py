"""Error messages for field validation, in zh-Hans and English.

Kept beside the validator (not in gettext catalogues) so the pure core can speak both
languages without Django; the page and API layers pick the language.
"""

from typing import Any, NamedTuple


class Words(NamedTuple):
    """A message parameter that itself differs by language (a reason, an implied value)."""

    en: str
    zh: str

    def label(self, language: str) -> str:
        return self.zh if language.lower().startswith("zh") else self.en


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
        "{label} is not a valid e-mail address: {reason}.",
        "{label}不是有效的邮箱地址：{reason}。",
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
        "The {source} says {value}; that differs from what was entered.",
        "{source}显示{value}，与填写的不一致。",
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
    # saved views of a list page: its query parameters
    "not_an_object": (
        "{label} must be an object of parameter names and values.",
        "{label}必须是由参数名和值组成的对象。",
    ),
    "unknown_parameter": (
        "{label}: “{value}” is not a parameter of this list.",
        "{label}：“{value}”不是此列表的参数。",
    ),
    "invalid_parameter_value": (
        "{label} must be text or a list of texts.",
        "{label}必须是文本或文本列表。",
    ),
    "not_unique": (
        "{label}: another customer already has this value.",
        "{label}：已有其他客户使用该值。",
    ),
    "less_than_other": (
        "{label} must not be less than {other}.",
        "{label}不能小于{other}。",
    ),
    "earlier_than_other": (
        "{label} must not be earlier than {other}.",
        "{label}不能早于{other}。",
    ),
    "owner_not_eligible": (
        "{label}: {value} cannot hold customers of this template "
        "(inactive, or in a role that does not work with them).",
        "{label}：{value}不能负责该模板的客户（账号已停用，或其角色不处理此类客户）。",
    ),
    "unknown_customer": (
        "{label}: there is no customer “{value}” that you may change.",
        "{label}：没有您可以修改的客户“{value}”。",
    ),
    "customer_erased": (
        "{label}: this customer's personal data has been erased.",
        "{label}：该客户的个人信息已被删除。",
    ),
    "repeated_customer": (
        "{label}: an earlier row of this batch already names the same customer.",
        "{label}：本批中前面的行已指向同一客户。",
    ),
    "no_matching_customer": (
        "{label}: no customer that you may change has this value.",
        "{label}：没有您可以修改的客户具有该值。",
    ),
    "ambiguous_customer": (
        "{label}: the row's values point to more than one customer.",
        "{label}：该行的值指向多个客户，无法确定是哪一个。",
    ),
    "likely_duplicate_of": (
        "{label}: this customer is already on file as {customer}; the template does not "
        "allow duplicates.",
        "{label}：该客户已在档案中（{customer}），模板不允许重复录入。",
    ),
    "likely_duplicate_hidden": (
        "{label}: this customer is already on file; the template does not allow duplicates.",
        "{label}：该客户已在档案中，模板不允许重复录入。",
    ),
    # import files
    "duplicate_in_file": (
        "{label}: row {first_row} of the file already has this value.",
        "{label}：文件第{first_row}行已有相同的值。",
    ),
    "too_few_cells": (
        "The row has {count} cells, the header {width}.",
        "该行只有{count}个单元格，表头有{width}列。",
    ),
    "too_many_cells": (
        "The row has {count} cells, the header only {width}.",
        "该行有{count}个单元格，表头只有{width}列。",
    ),
    "bad_bytes": (
        "The row holds bytes that are not {encoding} text.",
        "该行含有不属于{encoding}编码的字节。",
    ),
    "unknown_column": (
        "The file has no column “{value}”.",
        "文件中没有“{value}”这一列。",
    ),
    "column_twice": (
        "{label}: columns “{other}” and “{value}” both fill this field.",
        "{label}：“{other}”和“{value}”两列都对应此字段。",
    ),
    "required_column": (
        "{label} is required, but no column of the file fills it.",
        "{label}为必填项，但文件中没有对应的列。",
    ),
    "no_match_column": (
        "Say which columns name an existing customer (an id, phone, e-mail or ID number).",
        "请指定用于匹配已有客户的列（客户编号、手机号、邮箱或证件号）。",
    ),
    "match_column_missing": (
        "Customers are matched on {label}, but no column of the file fills it.",
        "按{label}匹配客户，但文件中没有对应的列。",
    ),
    # feedback and surveys
    "unknown_question": (
        "The survey has no question “{value}”.",
        "问卷中没有问题“{value}”。",
    ),
    "duplicate_question": (
        "Question key “{value}” appears twice.",
        "问题标识“{value}”重复。",
    ),
    "duplicate_choice": (
        "{label}: “{value}” appears twice.",
        "{label}：“{value}”重复。",
    ),
    "question_type_twice": (
        "A survey asks at most one {value} question.",
        "一份问卷最多只能有一个{value}问题。",
    ),
    "too_few_items": (
        "{label} needs at least {min} items.",
        "{label}至少需要{min}项。",
    ),
    "status_change_not_allowed": (
        "{label} cannot go from “{before}” to “{after}”.",
        "{label}不能从“{before}”变为“{after}”。",
    ),
    # tickets and follow-ups
    "illegal_transition": (
        "{label}: a ticket cannot go from “{from_state}” to “{to_state}”.",
        "{label}：工单不能从“{from_state}”变为“{to_state}”。",
    ),
    "assignee_not_eligible": (
        "{label}: {value} cannot work on this customer "
        "(inactive, or not allowed to change the customer).",
        "{label}：{value}无法处理该客户（账号已停用，或无权修改该客户）。",
    ),
    "unknown_user": (
        "{label}: there is no active user “{value}”.",
        "{label}：没有名为“{value}”的有效用户。",
    ),
    # Template definition errors
    "invalid_key": (
        "Field key “{value}” must start with a letter and use only a-z, 0-9 and _.",
        "字段标识“{value}”必须以字母开头，只能包含 a-z、0-9 和 _。",
    ),
    "unknown_type": ("Field type “{value}” does not exist.", "字段类型“{value}”不存在。"),
    "duplicate_key": ("Field key “{value}” appears twice.", "字段标识“{value}”重复。"),
    "invalid_rule": (
        "Rule “{rule}” of {label} is not valid: {reason}",
        "{label}的规则“{rule}”无效：{reason}",
    ),
    "core_type_mismatch": (
        "{label} is a built-in field of type {expected}; it cannot be redefined as {value}.",
        "{label}是类型为{expected}的内置字段，不能改为{value}。",
    ),
    "invalid_classification": (
        "Classification “{value}” must be general, personal or sensitive.",
        "分级“{value}”必须是 general、personal 或 sensitive。",
    ),
    "classification_lowered": (
        "{label}: only an administrator may lower its classification ({before} → {after}), "
        "giving a reason.",
        "{label}：只有管理员可以降低其分级（{before} → {after}），且须说明理由。",
    ),
    "decrypts_values": (
        "{label}: the migration would move stored values out of encryption "
        "({before} → {after}); an administrator must confirm it.",
        "{label}：迁移会将已存储的值移出加密（{before} → {after}），须由管理员确认。",
    ),
    "invalid_default": (
        "The default of {label} is not valid: {reason}",
        "{label}的默认值无效：{reason}",
    ),
    # the consent ledger
    "channel_required": (
        "{purpose} is recorded per channel: choose e-mail, SMS, phone, WeChat or post.",
        "“{purpose}”按渠道记录：请选择邮件、短信、电话、微信或邮寄。",
    ),
    "channel_not_applicable": (
        "{purpose} does not depend on a channel: record it for all channels.",
        "“{purpose}”与渠道无关：请按“全部渠道”记录。",
    ),
    "double_opt_in_required": (
        "{purpose} must be confirmed by the customer: send a confirmation code instead.",
        "“{purpose}”须由客户本人确认：请改为发送确认码。",
    ),
    "source_reserved": (
        "Consent with source “double opt-in” is only recorded when the customer confirms a code.",
        "来源为“双重确认”的同意只能在客户输入确认码后记录。",
    ),
    "no_contact": (
        "The customer has no {via} to send the code to.",
        "该客户没有可接收确认码的{via}。",
    ),
    "code_invalid": (
        "This confirmation code is not valid. Check it and try again.",
        "确认码无效，请核对后重试。",
    ),
    "code_expired": (
        "This confirmation code has expired. Ask for a new one.",
        "确认码已过期，请重新获取。",
    ),
    "code_used": (
        "This confirmation code has already been used.",
        "该确认码已使用过。",
    ),
    "code_cancelled": (
        "This confirmation code is no longer valid: a newer code was sent or the consent "
        "was withdrawn.",
        "该确认码已失效：已发送了新的确认码，或同意已被撤回。",
    ),
    # insights: segment rules ({label} is the rule's path, such as rules.all[2].value)
    "rule_shape": (
        "{label} must be a condition or one of all / any / not.",
        "{label}必须是一个条件，或 all / any / not 之一。",
    ),
    "rule_empty_group": ("{label} must be a non-empty list.", "{label}必须是非空列表。"),
    "rule_too_deep": (
        "{label}: rules may nest at most {max} levels.",
        "{label}：规则最多嵌套 {max} 层。",
    ),
    "rule_too_big": (
        "{label}: a segment may hold at most {max} conditions.",
        "{label}：一个分群最多包含 {max} 个条件。",
    ),
    "rule_unknown_field": (
        "{label}: “{value}” is not a field segments can use.",
        "{label}：“{value}”不是分群可用的字段。",
    ),
    "rule_bad_operator": (
        "{label}: “{value}” is not an operator of this field (allowed: {allowed}).",
        "{label}：“{value}”不是该字段的运算符（可用：{allowed}）。",
    ),
    "rule_unknown_key": ("{label}: unknown keys {value}.", "{label}：未知的键 {value}。"),
    "rule_bad_number": (
        "{label} must be a whole number from {min} to {max}.",
        "{label}必须是 {min} 到 {max} 之间的整数。",
    ),
    "rule_bad_value": (
        "{label} does not fit the field and operator.",
        "{label}与字段和运算符不匹配。",
    ),
    "rule_not_allowed": (
        "{label}: your role may not segment by {value}.",
        "{label}：您的角色不能按 {value} 分群。",
    ),
    "threshold_order": (
        "{label} must not be above grade {better}'s ({limit}): thresholds go A ≥ B ≥ C.",
        "{label}不能高于 {better} 级的门槛（{limit}）：门槛须满足 A ≥ B ≥ C。",
    ),
    "rule_too_slow": (
        "{label}: counting these rules took more than {seconds} s; narrow them "
        "(a shorter period, fewer alternatives).",
        "{label}：统计这些规则超过 {seconds} 秒；请缩小范围（更短的时间段、更少的备选条件）。",
    ),
    "rule_unknown_value": (
        "{label}: “{value}” does not exist.",
        "{label}：“{value}”不存在。",
    ),
    # webhooks: target URLs
    "url_scheme": (
        "{label} must start with https:// (http:// only where the server allows it).",
        "{label}必须以 https:// 开头（仅在服务器允许时可用 http://）。",
    ),
    "url_credentials": (
        "{label} must not contain a user name or password.",
        "{label}不能包含用户名或密码。",
    ),
    "url_unresolvable": (
        "{label}: the host {host} could not be found.",
        "{label}：找不到主机 {host}。",
    ),
    "url_private_address": (
        "{label}: {host} leads to a private, local or reserved address ({address}); "
        "webhooks are not sent there.",
        "{label}：{host} 指向内网、本机或保留地址（{address}），不能向其发送 Webhook。",
    ),
}


def render(code: str, language: str, params: dict[str, Any]) -> str:
    """The message for ``code`` in ``language`` ("zh-hans" or "en")."""
    english, chinese = MESSAGES.get(code, ("{label}: {code}", "{label}：{code}"))
    pattern = chinese if language.lower().startswith("zh") else english
    params = {k: (v.label(language) if isinstance(v, Words) else v) for k, v in params.items()}
    try:
        return pattern.format(code=code, **params)
    except (KeyError, IndexError):
        return pattern


#: email-validator's reasons (matched by a phrase of its English text) in our own words
EMAIL_REASONS: list[tuple[str, Words]] = [
    ("must have an @-sign", Words("it has no @ sign", "缺少 @ 符号")),
    ("small commercial at", Words("it has no @ sign", "缺少 @ 符号")),
    ("something before the @-sign", Words("nothing comes before the @ sign", "@ 前面没有内容")),
    ("something after the @-sign", Words("nothing comes after the @ sign", "@ 后面没有内容")),
    ("too long", Words("it is too long", "地址过长")),
    (
        "should have a period",
        Words(
            "the part after @ must be a domain such as example.com",
            "@ 后面应为完整的域名，例如 example.com",
        ),
    ),
    (
        "top-level domain",
        Words(
            "the part after @ must be a domain such as example.com",
            "@ 后面应为完整的域名，例如 example.com",
        ),
    ),
    (
        "special-use or reserved",
        Words("the part after @ is a reserved name", "@ 后面是保留的域名，不能用于邮件"),
    ),
    ("two periods", Words("it has two dots in a row", "含有连续的两个点号")),
    ("a period and a hyphen", Words("a dot and a dash stand together", "点号与连字符相邻")),
    ("two dashes", Words("it has two dashes in a row", "含有连续的两个连字符")),
    (
        "before the @-sign",
        Words("the part before @ has characters an address cannot have", "@ 前面含有不允许的字符"),
    ),
    (
        "after the @-sign",
        Words("the part after @ has characters a domain cannot have", "@ 后面含有不允许的字符"),
    ),
    (
        "display name",
        Words("enter the address alone, without a name", "只填写邮箱地址本身，不要带姓名"),
    ),
    (
        "angle bracket",
        Words("enter the address alone, without a name", "只填写邮箱地址本身，不要带姓名"),
    ),
    ("anything after", Words("there is text after the address", "地址后面还有多余的内容")),
]
EMAIL_REASON_DEFAULT = Words("write it as name@example.com", "应为 name@example.com 的形式")


def email_reason(library_text: str) -> Words:
    """Our bilingual reason for an email-validator failure (its English never reaches users)."""
    for phrase, words in EMAIL_REASONS:
        if phrase in library_text:
            return words
    return EMAIL_REASON_DEFAULT


#: rules in words, for the editor and the template pages: (English, 简体中文)
RULE_WORDS: dict[str, tuple[str, str]] = {
    "min_length": ("at least {value} characters", "至少{value}个字符"),
    "max_length": ("at most {value} characters", "最多{value}个字符"),
    "min_value": ("at least {value}", "不小于{value}"),
    "max_value": ("at most {value}", "不大于{value}"),
    "not_less_than": ("not less than {value}", "不小于{value}"),
    "date_min_value": ("not before {value}", "不早于{value}"),
    "date_max_value": ("not after {value}", "不晚于{value}"),
    "date_not_less_than": ("not earlier than {value}", "不早于{value}"),
    "places": ("at most {value} decimal places", "最多{value}位小数"),
    "currency": ("in {value}", "币种{value}"),
    "region": ("numbers of region {value}", "{value}地区的号码"),
    "mobile_only": ("mobile numbers only", "仅限手机号码"),
    "min_items": ("choose at least {value}", "至少选{value}项"),
    "max_items": ("choose at most {value}", "最多选{value}项"),
    "choices": ("one of: {value}", "可选：{value}"),
    "regex": ("must match a pattern: {value}", "须匹配格式：{value}"),
    "regex_custom": ("must match a custom pattern", "须匹配自定义格式"),
}
TODAY = Words("today", "今天")
#: how the values a 身份证 implies read inside the mismatch message
IMPLIED_WORDS: dict[str, tuple[str, str]] = {
    "birthday": ("born {value}", "出生日期 {value}"),
    "gender": ("{value}", "性别 {value}"),
}


def describe(rule: str, language: str, value: Any = "") -> str:
    """A rule in words in ``language``; a value that speaks languages (a field) is translated."""
    english, chinese = RULE_WORDS.get(rule, ("{rule}: {value}", "{rule}：{value}"))
    pattern = chinese if language.lower().startswith("zh") else english
    shown = value.label(language) if hasattr(value, "label") else value
    if isinstance(value, bool):
        shown = ""
    elif isinstance(value, list | tuple) and not isinstance(value, Words):
        shown = ("、" if language.lower().startswith("zh") else ", ").join(map(str, value))
    return pattern.format(rule=rule, value=shown)
