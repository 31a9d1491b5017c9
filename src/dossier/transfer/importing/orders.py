"""Importing orders: a row per order line, rows of one order next to each other.

A shop or POS export lists an order's lines one under the other, repeating the order's own
columns. Adjacent rows with the same order number become one order of the bulk sync
(:func:`dossier.orders.services.sync.sync_orders`), which finds the customer (by id, their
id in the shop, phone or e-mail), checks the order and stores it once: importing the file
again leaves every order unchanged. Every row ends with its order's outcome; a failed order's
rows go to the error file with the reason, on the row the reason is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, cast

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from dossier.core.errors import ApplicationError, ValidationFailed
from dossier.core.fields import FieldError
from dossier.orders.services.sync import SyncResult, sync_orders
from dossier.transfer.importing.engine import Progress, check_still_active, finish_run
from dossier.transfer.importing.rows import spoiled_row_error
from dossier.transfer.models import ImportBatch, ImportRun, error_row
from dossier.transfer.reading import FileRefused, Row, open_table, plan_mapping
from dossier.transfer.reading.values import serial_to_iso

ORDER_KEYS = ("source", "external_id", "customer_id", "customer_external_id", "customer_source",
              "phone", "email", "channel", "store", "placed_at", "status", "currency",
              "payment_method", "campaign", "discount", "total")  # fmt: skip
LINE_KEYS = ("sku", "name", "qty", "unit_price", "line_discount", "line_total")
FIELDS = ORDER_KEYS + LINE_KEYS
#: what order exports call the columns (compared as the customer import compares headers)
LABELS: dict[str, tuple[str, ...]] = {
    "source": ("来源", "订单来源", "平台", "source", "platform"),
    "external_id": ("订单号", "订单编号", "单号", "orderid", "orderno", "ordernumber"),
    "customer_id": ("客户id", "customerid"),
    "customer_external_id": ("会员号", "会员编号", "客户编号", "买家id", "memberid", "buyerid"),
    "phone": ("手机", "手机号", "手机号码", "联系电话", "收货人电话", "mobile", "phone"),
    "email": ("邮箱", "电子邮箱", "email"),
    "channel": ("渠道", "销售渠道", "channel"),
    "store": ("门店", "店铺", "店铺名称", "store", "shop"),
    "placed_at": ("下单时间", "订单时间", "下单日期", "成交时间", "orderdate", "placedat", "date"),
    "status": ("状态", "订单状态", "status"),
    "currency": ("币种", "货币", "currency"),
    "payment_method": ("支付方式", "付款方式", "payment", "paymentmethod"),
    "campaign": ("活动", "活动编码", "campaign"),
    "discount": ("订单优惠", "订单折扣", "优惠金额", "discount"),
    "total": ("订单金额", "实付金额", "应付金额", "total", "amount"),
    "sku": ("sku", "商品编码", "商品编号", "货号", "productcode"),
    "name": ("商品名称", "商品", "品名", "productname", "item"),
    "qty": ("数量", "购买数量", "件数", "qty", "quantity"),
    "unit_price": ("单价", "商品单价", "price", "unitprice"),
    "line_discount": ("行优惠", "商品优惠", "单品优惠", "linediscount"),
    "line_total": ("小计", "商品金额", "行金额", "linetotal", "subtotal"),
}
#: Chinese words of shop exports for the sync's codes
WORDS = {
    "status": {"待支付": "pending", "待付款": "pending", "已支付": "paid", "已付款": "paid",
               "已发货": "shipped", "已完成": "completed", "交易成功": "completed",
               "已退货": "returned", "已退款": "refunded", "已取消": "cancelled",
               "交易关闭": "cancelled"},
    "channel": {"门店": "store", "线下": "store", "官网": "web", "网站": "web", "网店": "web",
                "app": "app", "小程序": "mini_program", "电话": "phone", "合作方": "partner",
                "分销": "partner"},
    "payment_method": {"微信": "wechat_pay", "微信支付": "wechat_pay", "支付宝": "alipay",
                       "银联": "unionpay", "银行卡": "card", "刷卡": "card", "现金": "cash",
                       "货到付款": "cod", "转账": "transfer", "其他": "other"},
}  # fmt: skip
ORDERS_PER_CALL = 500


@dataclass
class FileOrder:
    """The rows of one order and the order as the sync takes it."""

    lines: list[int] = field(default_factory=list)  # file lines
    cells: list[dict[str, Any]] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def order_mapping(
    headers: Sequence[str], given: Mapping[str, str | None] | None
) -> list[str | None]:
    """The field of each column: the user's mapping where given, else the suggestion."""
    plan = plan_mapping(headers, FIELDS, labels=LABELS)
    fields = list(plan.by_column)
    errors = []
    for header, key in (given or {}).items():
        if header not in headers:
            errors.append(FieldError("unknown_column", field="mapping", label=header, value=header))
        elif key and key not in FIELDS:
            errors.append(FieldError("unknown_field", field="mapping", label=key))
        else:
            fields[headers.index(header)] = key or None
    if errors:
        raise ValidationFailed("The import cannot start: the mapping has mistakes.", errors=errors)
    return fields


def _cell(key: str, cell: Any) -> Any:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return None
    if key == "placed_at":
        if isinstance(cell, datetime):
            return cell.isoformat()
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return serial_to_iso(cell, with_time=True)
    if isinstance(cell, float) and cell.is_integer() and key == "qty":
        return int(cell)
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return str(cell)
    if key in WORDS and isinstance(cell, str):
        return WORDS[key].get(cell.strip(), WORDS[key].get(cell.strip().lower(), cell.strip()))
    return cell.strip() if isinstance(cell, str) else str(cell)


def file_orders(
    rows: Iterable[Row], fields: list[str | None], default_source: str
) -> Iterator[FileOrder]:
    """Adjacent rows of one (source, order number) as one order; a spoiled row on its own."""
    current: FileOrder | None = None
    key: tuple[str, str] | None = None
    for row in rows:
        values = {f: _cell(f, c) for f, c in zip(fields, row.cells, strict=False) if f}
        if row.problem is not None:
            if current is not None:
                yield current
                current, key = None, None
            spoiled = FileOrder([row.number], [values])
            spoiled.errors.append(spoiled_row_error(row, len(fields), "UTF-8"))
            yield spoiled
            continue
        source = values.get("source") or default_source
        this = (source, str(values.get("external_id") or f"#row{row.number}"))
        line = {
            "sku": values.get("sku"),
            "name": values.get("name"),
            "qty": values.get("qty"),
            "unit_price": values.get("unit_price"),
            "discount": values.get("line_discount"),
            "line_total": values.get("line_total"),
        }
        line = {k: v for k, v in line.items() if v is not None}
        if current is None or this != key:
            if current is not None:
                yield current
            body = {k: values[k] for k in ORDER_KEYS if values.get(k) is not None}
            body["source"] = source
            current, key = FileOrder(body=body | {"lines": []}), this
        current.lines.append(row.number)
        current.cells.append(values)
        current.body["lines"].append(line)
    if current is not None:
        yield current


def run_order_import(
    run: ImportRun, path: str | Path, *, progress: Progress | None = None
) -> ImportRun:
    """Import an order file for ``run`` (queued or resumed); returns the finished run."""
    options = run.options
    try:
        table = open_table(path, encoding=options.get("encoding"), sheet=options.get("sheet"),
                           delimiter=options.get("delimiter"))  # fmt: skip
    except FileRefused as refusal:
        return finish_run(run, ImportRun.REFUSED, reason=refusal.message(run.language))
    with table:
        fields = order_mapping(table.headers, run.mapping)
        if run.status == ImportRun.QUEUED:
            ImportRun.objects.filter(pk=run.pk).update(
                status=ImportRun.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now(),
                mapping=dict(zip(table.headers, fields, strict=True)),
            )  # fmt: skip
            run.refresh_from_db()
        done = run.batches.aggregate(last=Max("last_line"), number=Max("number"))
        resume_after, number = done["last"] or 0, done["number"] or 0
        accounted = run.rows
        orders = file_orders(table, fields, options.get("source") or "import")
        try:
            while batch := list(islice(orders, ORDERS_PER_CALL)):
                if batch[-1].lines[-1] <= resume_after:
                    continue
                number += 1
                check_still_active(run)
                accounted += _write(run, number, batch, table.headers, fields)
                if progress is not None:
                    progress(accounted, None)
        except ApplicationError as stop:
            return finish_run(run, ImportRun.FAILED, reason=stop.message, table=table)
    return finish_run(run, ImportRun.COMPLETED, table=table)


def _write(run: ImportRun, number: int, batch: list[FileOrder], headers: Sequence[str],
           fields: list[str | None]) -> int:  # fmt: skip
    actor = cast(User, run.actor)
    ready = [order for order in batch if not order.errors]
    dry = bool(run.options.get("dry_run"))
    outcome: dict[int, str] = {}
    with transaction.atomic():
        result = SyncResult([])
        if ready:
            sid = transaction.savepoint()
            result = sync_orders(actor=actor, orders=[order.body for order in ready])
            if dry:
                transaction.savepoint_rollback(sid)
            else:
                transaction.savepoint_commit(sid)
        for order, done in zip(ready, result.outcomes, strict=True):
            outcome[id(order)] = done.result
            order.errors = list(done.errors)
        counts = {"rows": 0, "created": 0, "updated": 0, "unchanged": 0, "failed": 0}
        errors: list[list[Any]] = []
        header_of = {key: header for header, key in zip(headers, fields, strict=False) if key}
        for order in batch:
            verdict = "failed" if order.errors else outcome.get(id(order), "failed")
            counts["rows"] += len(order.lines)
            counts["failed" if verdict == "error" else verdict] += len(order.lines)
            for error in order.errors:
                line, key, value = _where(order, error.field)
                messages = (error.message("en"), error.message("zh-hans"))
                column = header_of.get(key, "")
                errors.append(error_row(line, column, error.field, value, error.code, messages))
        ImportBatch.objects.create(
            run=run, number=number, first_line=batch[0].lines[0], last_line=batch[-1].lines[-1],
            errors=cast(Any, errors), **counts,
        )  # fmt: skip
        ImportRun.objects.filter(pk=run.pk).update(
            heartbeat_at=timezone.now(), **{key: F(key) + value for key, value in counts.items()}
        )
    return counts["rows"]


def _where(order: FileOrder, error_field: str) -> tuple[int, str, Any]:
    """The file line, field key and original value an order's error is about."""
    index, key = 0, error_field
    if error_field.startswith("lines["):
        inside, _, rest = error_field[6:].partition("]")
        index = int(inside) if inside.isdigit() and int(inside) < len(order.lines) else 0
        key = rest.lstrip(".") or "sku"
        key = "line_discount" if key == "discount" else key
    return order.lines[index], key, order.cells[index].get(key)
