"""The verification app's field errors: the core's codes, plus a few of its own (zh-Hans, en).

Kept like the core's messages (pairs, not gettext), as the orders app keeps its own.
"""

from __future__ import annotations

from typing import Any

from dossier.core.fields import FieldError, FieldLabel
from dossier.core.fields.messages import Words

FIELD = FieldLabel("field", "字段", "Field")
CODE = FieldLabel("code", "验证码", "Verification code")
FIELDS = FieldLabel("fields", "字段", "Fields")
METHOD = FieldLabel("method", "方式", "Method")
LIFECYCLE = FieldLabel("lifecycle", "生命周期", "Lifecycle")

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (English, 简体中文)
    "not_contact_field": (
        "{label}: “{value}” is not a phone or e-mail field of this customer's template.",
        "{label}：“{value}”不是该客户模板中的电话或邮箱字段。",
    ),
    "no_value": (
        "{label}: the customer has no value to verify.",
        "{label}：该客户没有可验证的值。",
    ),
    "no_code": (
        "No verification code was sent for this value. Send one first.",
        "尚未向该值发送验证码，请先发送。",
    ),
    "code_invalid": (
        "This verification code is not right. Check it and try again.",
        "验证码不正确，请核对后重试。",
    ),
    "code_expired": (
        "This verification code has expired. Send a new one.",
        "验证码已过期，请重新发送。",
    ),
    "code_used": (
        "This verification code has already been used.",
        "该验证码已使用过。",
    ),
    "code_cancelled": (
        "This verification code no longer works: a newer code was sent or the value changed.",
        "该验证码已失效：已发送了新的验证码，或该值已被修改。",
    ),
    "code_attempts": (
        "Too many wrong codes: this code no longer works. Send a new one.",
        "错误次数过多，该验证码已失效，请重新发送。",
    ),
    "verification_required": (
        "A customer counts as active only once these are verified: {fields}.",
        "以下字段验证后，客户才能设为活跃客户：{fields}。",
    ),
}


class VerificationError(FieldError):
    """A FieldError whose message may come from this app's own codes."""

    def message(self, language: str = "en") -> str:
        if self.code not in MESSAGES:
            return super().message(language)
        label = self.spec.label(language) if self.spec else self.params.get("label", self.field)
        params: dict[str, Any] = {
            k: (v.label(language) if isinstance(v, FieldLabel | Words) else v)
            for k, v in self.params.items()
            if k != "label"
        }
        english, chinese = MESSAGES[self.code]
        pattern = chinese if language.lower().startswith("zh") else english
        try:
            return pattern.format(label=label, **params)
        except (KeyError, IndexError):
            return pattern
