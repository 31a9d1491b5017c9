"""`dossier import orders`: a row per order line, customers found by phone or their shop id."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from dossier.activity.figures import verify
from dossier.core import roles
from dossier.core.errors import Conflict, PermissionDenied
from dossier.orders.models import Order, OrderLine
from dossier.orders.services import attach_external_id, create_product
from dossier.transfer import services
from dossier.transfer.models import ImportRun
from dossier.transfer.tests.import_helpers import accounted, errors_by_line, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["订单号", "会员号", "手机", "渠道", "门店", "下单时间", "订单状态", "支付方式",
          "商品编码", "商品名称", "数量", "单价"]  # fmt: skip


def _import(actor: User, path: Path, **options: Any) -> ImportRun:
    run = services.start_order_import(
        actor=actor, path=path, file_name=path.name, source="pos", language="en", **options
    )
    return services.execute_import(run=run, path=path)


@pytest.fixture
def shop(admin_user: User, sales_user: User, make_customer: Callable[..., Any]) -> dict[str, Any]:
    create_product(
        actor=admin_user, sku="MI-14", name="小米手机 14", category="手机", brand="小米",
        price=Decimal("3999.00"),
    )  # fmt: skip
    by_phone = make_customer(sales_user, phone="13900000001")
    by_member = make_customer(sales_user, phone="13900000002")
    attach_external_id(actor=sales_user, customer_id=by_member.pk, source="pos", external_id="V-2")
    return {"by_phone": by_phone, "by_member": by_member}


def test_lines_of_an_order_become_one_order_and_a_second_import_changes_nothing(
    sales_user: User, shop: dict[str, Any], tmp_path: Path
) -> None:
    rows = [
        line.split(",")
        for line in [
            "P-1,,13900000001,门店,徐汇店,2026-10-01 10:00,已完成,微信,MI-14,,1,3999.00",
            "P-1,,13900000001,门店,徐汇店,2026-10-01 10:00,已完成,微信,,贴膜,2,20.00",
            "P-2,V-2,,小程序,,2026-10-02 11:30,已支付,支付宝,MI-14,,1,3999.00",
            "P-3,,13900009999,门店,,2026-10-03 09:00,已完成,现金,MI-14,,1,3999.00",
            "P-4,V-2,,门店,,2026-10-04 09:00,已完成,现金,MI-14,,0,3999.00",
        ]
    ]
    path = write_csv(tmp_path / "orders.csv", rows, header=HEADER, encoding="gbk")
    run = _import(sales_user, path)
    assert run.status == ImportRun.COMPLETED and accounted(run)
    assert (run.rows, run.created, run.failed) == (5, 3, 2)
    first = Order.objects.get(external_id="P-1")
    assert first.customer_id == shop["by_phone"].pk and first.channel == "store"
    assert first.status == "completed" and first.payment_method == "wechat_pay"
    assert OrderLine.objects.filter(order=first).count() == 2
    assert Order.objects.get(external_id="P-2").customer_id == shop["by_member"].pk
    errors = errors_by_line(run)
    assert set(errors) == {5, 6}  # P-3: nobody has that phone; P-4: a line of no items
    assert any(field == "lines[0].qty" for field, _code in errors[6])
    assert verify() == []

    again = _import(sales_user, path)
    assert (again.created, again.unchanged, again.failed) == (0, 3, 2)
    assert Order.objects.count() == 2  # the counts are of rows: P-1 has two
    with pytest.raises(Conflict):
        services.undo_import(actor=sales_user, run_id=run.pk)


def test_a_dry_run_stores_no_order_and_a_role_without_orders_cannot_start(
    sales_user: User, shop: dict[str, Any], tmp_path: Path, make_user: Callable[..., User]
) -> None:
    rows = [
        [
            "P-9",
            "V-2",
            "",
            "门店",
            "",
            "2026-10-02 11:30",
            "已完成",
            "现金",
            "MI-14",
            "",
            "1",
            "3999.00",
        ]
    ]
    path = write_csv(tmp_path / "orders.csv", rows, header=HEADER)
    run = _import(sales_user, path, dry_run=True)
    assert (run.rows, run.created) == (1, 1)
    assert not Order.objects.exists()
    with pytest.raises(PermissionDenied):
        _import(make_user("ana", roles.ANALYST), path)
