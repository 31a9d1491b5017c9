"""Field errors of the consent ledger, readable in zh-Hans and English."""

from __future__ import annotations

from typing import Any

from dossier.core.fields import FieldError, FieldSpec

PURPOSE = FieldSpec("purpose", "choice", "用途", "Purpose")
CHANNEL = FieldSpec("channel", "choice", "渠道", "Channel")
SOURCE = FieldSpec("source", "choice", "来源", "Source")
NOTICE_VERSION = FieldSpec("notice_version", "text", "告知版本", "Notice version")
CODE = FieldSpec("code", "text", "确认码", "Confirmation code")
DELIVER_VIA = FieldSpec("deliver_via", "choice", "发送方式", "Send the code by")
IP = FieldSpec("evidence.ip", "text", "IP 地址", "IP address")

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (English, 简体中文)
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
}


class ConsentFieldError(FieldError):
    """A field error whose message lives here, not in the template validator's catalogue."""

    def message(self, language: str = "en") -> str:
        pair = MESSAGES.get(self.code)
        if pair is None:
            return super().message(language)
        pattern = pair[1] if language.lower().startswith("zh") else pair[0]
        params: dict[str, Any] = {k: v for k, v in self.params.items() if k != "label"}
        # a purpose may be given as its (zh, en) names
        for key, value in params.items():
            if isinstance(value, tuple):
                params[key] = value[0] if language.lower().startswith("zh") else value[1]
        try:
            return pattern.format(**params)
        except (KeyError, IndexError):
            return pattern
