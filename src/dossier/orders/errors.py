"""The orders app's field errors: the core's codes, plus a few of its own in zh-Hans and English.

Kept like the core's messages (pairs, not gettext), so an error built in a batch speaks the
language of whoever reads it later.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from dossier.core.fields import FieldError, FieldLabel
from dossier.core.fields.messages import Words

MESSAGES: dict[str, tuple[str, str]] = {
    # code: (English, 简体中文)
    "total_mismatch": (
        "{label} is {value}, but the lines add up to {expected}.",
        "{label}为{value}，但各行合计为{expected}。",
    ),
    "discount_too_large": (
        "{label} ({value}) is more than the amount it is taken from ({limit}).",
        "{label}（{value}）超过了可折扣的金额（{limit}）。",
    ),
    "refund_too_large": (
        "{label}: {value} is more than can still be refunded: {available} "
        "({paid} paid, {refunded} refunded already).",
        "{label}：{value}超过了可退金额{available}（已付{paid}，已退{refunded}）。",
    ),
    "return_too_large": (
        "{label}: {value} is more than the {available} not yet returned.",
        "{label}：{value}超过了尚未退货的数量{available}。",
    ),
    "nothing_to_return": (
        "Every item of this order has been returned already.",
        "该订单的商品已全部退货。",
    ),
    "not_refundable": (
        "An order that is {status} cannot be refunded or returned.",
        "状态为“{status}”的订单不能退款或退货。",
    ),
    "illegal_transition": (
        "{label}: an order cannot go from {from_status} to {to_status}.",
        "{label}：订单不能从“{from_status}”变为“{to_status}”。",
    ),
    "order_exists": (
        "{label}: an order with this source and external id exists already.",
        "{label}：已存在相同来源和外部编号的订单。",
    ),
    "repeated_in_call": (
        "{label}: order {first} of this call has the same source and external id.",
        "{label}：本次请求的第{first}个订单已使用相同的来源和外部编号。",
    ),
    "customer_missing": (
        "Name the customer: customer_id, customer_external_id, phone or email.",
        "请指明客户：customer_id、customer_external_id、phone 或 email。",
    ),
    "customer_not_found": (
        "{label}: no customer you may change matches it.",
        "{label}：没有与之匹配且您可以修改的客户。",
    ),
    "customer_ambiguous": (
        "{label}: {count} customers match it; name the customer by id instead.",
        "{label}：有{count}位客户与之匹配，请改用客户编号。",
    ),
    "lookup_not_allowed": (
        "{label}: you may not find customers by their phone or e-mail.",
        "{label}：您无权按电话或邮箱查找客户。",
    ),
    "not_permitted": (
        "{label}: you may not move an order to {to_status}.",
        "{label}：您无权将订单改为“{to_status}”。",
    ),
    "external_id_taken": (
        "{label}: this id of that source belongs to another customer.",
        "{label}：该来源的这个编号已属于其他客户。",
    ),
    "name_required": (
        "{label}: an item not in the catalogue needs a name.",
        "{label}：不在商品目录中的商品需要填写名称。",
    ),
    "too_many_orders": (
        "{label}: at most {max} orders a call ({value} sent).",
        "{label}：每次最多{max}个订单（本次{value}个）。",
    ),
    "in_the_future": (
        "{label} is later than now.",
        "{label}晚于当前时间。",
    ),
    "sku_taken": (
        "{label}: another product has this SKU.",
        "{label}：已有其他商品使用该 SKU。",
    ),
}

STATUS_WORDS = {
    "pending": Words("pending payment", "待付款"),
    "paid": Words("paid", "已付款"),
    "shipped": Words("shipped", "已发货"),
    "completed": Words("completed", "已完成"),
    "returned": Words("returned", "已退货"),
    "refunded": Words("refunded", "已退款"),
    "cancelled": Words("cancelled", "已取消"),
}


class OrderError(FieldError):
    """A FieldError whose message may come from the orders app's own codes."""

    def message(self, language: str = "en") -> str:
        if self.code not in MESSAGES:
            return super().message(language)
        label = self.spec.label(language) if self.spec else self.params.get("label", self.field)
        params = {
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

    def at(
        self,
        *,
        field: str | None = None,
        spec: Any = None,
        row: int | None = None,
    ) -> OrderError:
        return OrderError(
            self.code,
            field=field if field is not None else self.field,
            spec=spec or self.spec,
            row=row if row is not None else self.row,
            **self.params,
        )


def status_words(status: str) -> Words:
    """A status as words in both languages (for messages)."""
    return STATUS_WORDS.get(status, Words(status, status))


def error(code: str, label: FieldLabel, **params: Any) -> OrderError:
    """An error about one field, in this app's words or the core's."""
    return OrderError(code, spec=label, **params)


def _label(key: str, zh: str, en: str) -> FieldLabel:
    return FieldLabel(key, zh, en)


@lru_cache(maxsize=4096)
def line_label(index: int, key: str, zh: str, en: str) -> FieldLabel:
    """A field of the ``index``-th line (from 0), named ``lines[index].key``."""
    return FieldLabel(
        f"lines[{index}].{key}", f"第{index + 1}行{zh}", f"Line {index + 1} {en.lower()}"
    )


ORDERS = _label("orders", "订单", "Orders")
SOURCE = _label("source", "来源", "Source")
EXTERNAL_ID = _label("external_id", "外部订单号", "External id")
CHANNEL = _label("channel", "渠道", "Channel")
STORE = _label("store", "门店", "Store")
PLACED_AT = _label("placed_at", "下单时间", "Placed at")
STATUS = _label("status", "状态", "Status")
TOTAL = _label("total", "订单金额", "Total")
DISCOUNT = _label("discount", "订单折扣", "Discount")
CURRENCY = _label("currency", "币种", "Currency")
PAYMENT = _label("payment_method", "支付方式", "Payment method")
CAMPAIGN = _label("campaign", "活动代码", "Campaign")
LINES = _label("lines", "订单行", "Lines")
CUSTOMER = _label("customer", "客户", "Customer")
CUSTOMER_ID = _label("customer_id", "客户编号", "Customer id")
CUSTOMER_EXTERNAL_ID = _label("customer_external_id", "客户外部编号", "Customer external id")
CUSTOMER_SOURCE = _label("customer_source", "客户编号来源", "Customer id source")
PHONE = _label("phone", "电话", "Phone")
EMAIL = _label("email", "邮箱", "E-mail")
AMOUNT = _label("amount", "退款金额", "Amount")
REASON = _label("reason", "原因", "Reason")
LINE_ID = _label("line_id", "订单行", "Line")
QTY = _label("qty", "数量", "Quantity")
SKU = _label("sku", "SKU", "SKU")
NAME = _label("name", "名称", "Name")
CATEGORY = _label("category", "类别", "Category")
BRAND = _label("brand", "品牌", "Brand")
PRICE = _label("price", "价格", "Price")
ACTIVE = _label("active", "在售", "Active")
SOURCE_OF_ID = _label("source", "来源系统", "Source")
