"""The home page per role: each section only where the role may see it, only one's own."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from dossier.customers.services import update_customer
from dossier.followups.services import create_task
from dossier.home.selectors import _next_birthday, home_for
from dossier.home.tests.conftest import overdue_task, signed_in
from dossier.privacy.requests import open_request
from dossier.transfer.models import ImportRun

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_sales_sees_their_own_tasks_and_not_a_colleagues(
    sales: User, colleague: User, admin_user: User, zhang: Any, make_customer: Callable[..., Any]
) -> None:
    theirs = make_customer(colleague, display_name="王芳的客户")
    overdue_task(admin_user, zhang, "回访张伟：确认安装")
    overdue_task(admin_user, theirs, "别人的任务：寄样品")
    page = signed_in(sales).get("/home/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="home-tasks"' in html
    assert "回访张伟：确认安装" in html
    assert "别人的任务" not in html and "王芳的客户" not in html
    assert "/tasks/" in html  # the "more" link
    assert 'id="home-segments"' not in html  # segments are in the menu for who has customers


def test_task_sections_split_overdue_from_today_and_count_beyond_the_rows(
    sales: User, admin_user: User, zhang: Any
) -> None:
    now = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    for hour in (10, 11, 12, 13):  # four due later today: three shown, "more"
        create_task(
            actor=admin_user,
            customer_id=zhang.pk,
            title=f"今天{hour}点",
            due_at=now.replace(hour=hour),
        )
    create_task(
        actor=admin_user, customer_id=zhang.pk, title="昨天", due_at=now - timedelta(days=1)
    )
    create_task(
        actor=admin_user, customer_id=zhang.pk, title="明天", due_at=now + timedelta(days=1)
    )
    home = home_for(actor=sales, now=now)
    assert home.tasks is not None
    assert [t.title for t in home.tasks.overdue.rows] == ["昨天"]
    assert [t.title for t in home.tasks.today.rows] == ["今天10点", "今天11点", "今天12点"]
    assert home.tasks.today.more and not home.tasks.overdue.more
    assert home.tasks.today.rows[0].shown_name == "张伟"


def test_my_customers_lists_only_those_i_own_latest_activity_first(
    sales: User, colleague: User, admin_user: User, make_customer: Callable[..., Any]
) -> None:
    older = make_customer(sales, display_name="老客户")
    make_customer(sales, display_name="新客户")
    make_customer(colleague, display_name="同事的客户")
    update_customer(
        actor=admin_user,
        customer_id=older.pk,
        values={"company": "华为"},
        expected_version=older.version,
    )
    home = home_for(actor=sales)
    assert home.customers is not None
    assert [row["name"] for row in home.customers.rows] == ["老客户", "新客户"]
    assert home.customers.total == 2


def test_birthdays_this_week_soonest_first_and_only_for_who_may_see_them(
    sales: User, marketing: User, admin_user: User, make_customer: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    in_three = today + timedelta(days=3)
    make_customer(
        sales, display_name="三天后生日", birthday=in_three.replace(year=1988).isoformat()
    )
    make_customer(sales, display_name="今天生日", birthday=today.replace(year=1992).isoformat())
    make_customer(
        sales,
        display_name="下个月生日",
        birthday=(today + timedelta(days=40)).replace(year=1984).isoformat(),
    )
    home = home_for(actor=sales)
    assert home.birthdays is not None
    assert [row["name"] for row in home.birthdays.rows] == ["今天生日", "三天后生日"]
    assert home.birthdays.rows[1]["day"] == in_three
    # a birthday is personal data: marketing (masked) gets no such section
    assert home_for(actor=marketing).birthdays is None


def test_birthdays_are_of_ones_own_customers_and_a_managers_team(
    sales: User, colleague: User, manager: User, outsider: User, make_customer: Callable[..., Any]
) -> None:
    today = timezone.localdate().replace(year=1992).isoformat()
    make_customer(sales, display_name="我的寿星", birthday=today)
    make_customer(colleague, display_name="同事的寿星", birthday=today)
    make_customer(outsider, display_name="西区的寿星", birthday=today)

    def shown(user: User) -> list[str]:
        found = home_for(actor=user).birthdays
        assert found is not None
        return sorted(row["name"] for row in found.rows)

    assert shown(sales) == ["我的寿星"]
    assert shown(manager) == ["同事的寿星", "我的寿星"]
    assert shown(outsider) == ["西区的寿星"]


def test_leap_day_birthdays_fall_on_the_28th_in_a_common_year() -> None:
    assert _next_birthday(date(2000, 2, 29), date(2027, 2, 25)) == date(2027, 2, 28)
    assert _next_birthday(date(2000, 2, 29), date(2028, 2, 25)) == date(2028, 2, 29)
    assert _next_birthday(date(1990, 1, 2), date(2026, 12, 30)) == date(2027, 1, 2)


def test_manager_sees_data_subject_requests_coming_due_and_sales_does_not(
    manager: User, sales: User, admin_user: User, zhang: Any, make_customer: Callable[..., Any]
) -> None:
    open_request(
        actor=admin_user,
        customer_id=zhang.pk,
        kind="access",
        received_via="email",
        due_in_days=15,
        received_at=timezone.now() - timedelta(days=14),
    )
    open_request(  # due in a month: not yet
        actor=admin_user, customer_id=zhang.pk, kind="copy", received_via="email", due_in_days=30
    )
    home = home_for(actor=manager)
    assert home.requests is not None
    assert home.requests.total == 1 and home.overdue_requests == 0
    assert home.requests.rows[0].shown_name == "张伟"
    html = signed_in(manager).get("/home/").content.decode()
    assert 'id="home-requests"' in html and "/privacy/requests/" in html
    assert home_for(actor=sales).requests is None
    assert 'id="home-requests"' not in signed_in(sales).get("/home/").content.decode()


def test_another_teams_manager_sees_no_request_of_ours(
    make_user: Callable[..., User], admin_user: User, zhang: Any
) -> None:
    from dossier.core import roles

    west = make_user("west.manager", roles.MANAGER, team="west")
    open_request(actor=admin_user, customer_id=zhang.pk, kind="access", received_via="email",
                 due_in_days=1)  # fmt: skip
    home = home_for(actor=west)
    assert home.requests is not None and home.requests.total == 0
    assert "张伟" not in signed_in(west).get("/home/").content.decode()


def test_analyst_sees_no_customers_only_segments_and_reports(
    analyst: User, admin_user: User, zhang: Any
) -> None:
    overdue_task(admin_user, zhang, "回访张伟")
    home = home_for(actor=analyst)
    assert home.tasks is None and home.customers is None and home.birthdays is None
    assert home.requests is None and not home.may_create and home.reports
    html = signed_in(analyst).get("/home/").content.decode()
    assert "张伟" not in html
    assert "/insights/reports/" in html and "/insights/segments/" in html
    assert "/customers/new/" not in html and 'id="home-tasks"' not in html


def test_quick_create_only_for_who_may_add_customers(
    sales: User, marketing: User, analyst: User
) -> None:
    assert "/customers/new/" in signed_in(sales).get("/home/").content.decode()
    for user in (marketing, analyst):
        html = signed_in(user).get("/home/").content.decode()
        assert 'class="button" href="/customers/new/"' not in html, user


def test_running_imports_are_the_users_own(
    sales: User, colleague: User, member_template: Any
) -> None:
    ImportRun.objects.create(
        actor=sales, template=member_template, file_name="客户名单.xlsx", status=ImportRun.RUNNING
    )
    ImportRun.objects.create(
        actor=sales, template=member_template, file_name="旧名单.csv", status=ImportRun.COMPLETED
    )
    home = home_for(actor=sales)
    assert home.jobs is not None
    assert [r.file_name for r in home.jobs.imports] == ["客户名单.xlsx"]
    assert "客户名单.xlsx" in signed_in(sales).get("/home/").content.decode()
    other = home_for(actor=colleague)
    assert other.jobs is not None and other.jobs.empty


def test_home_page_speaks_chinese(sales: User, make_customer: Callable[..., Any]) -> None:
    today = timezone.localdate().replace(year=1992).isoformat()
    make_customer(sales, display_name="寿星", birthday=today)
    html = signed_in(sales).get("/home/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "我的任务" in html and "本周生日" in html
